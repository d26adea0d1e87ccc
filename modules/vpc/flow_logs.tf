# VPC flow logs (accepted and rejected connections of every network interface: who talked to whom, on which
# port) to S3: a bucket this module creates (private, SSE-S3, objects expire after flow_logs_retention_days) or
# flow_logs_bucket_arn of your own. On by default: S3 delivery is the cheapest flow-log destination, and a
# record of who connected is what an incident needs first. Delivery rights per "Flow logs: S3 bucket
# permissions" (Amazon VPC User Guide): the log delivery service, for this account's flow logs only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  create_flow_log_bucket = var.flow_logs_enabled && var.flow_logs_bucket_arn == null
  flow_log_bucket_arn    = var.flow_logs_bucket_arn != null ? var.flow_logs_bucket_arn : one(aws_s3_bucket.flow_logs[*].arn)
}

resource "aws_flow_log" "this" {
  count = var.flow_logs_enabled ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = "s3"
  log_destination          = local.flow_log_bucket_arn
  max_aggregation_interval = 600
  tags                     = merge(local.tags, { Name = local.name_prefix })

  depends_on = [aws_s3_bucket_policy.flow_logs]
}

resource "aws_s3_bucket" "flow_logs" {
  #checkov:skip=CKV_AWS_145:SSE-S3 at rest; SSE-KMS would need a key policy letting delivery.logs.amazonaws.com use the key; a caller who needs it gives flow_logs_bucket_arn of a bucket of their own
  #checkov:skip=CKV_AWS_18:This bucket is the log destination itself; S3 access logs of it would need yet another bucket and record only the log service's own writes and the reads of whoever investigates
  #checkov:skip=CKV_AWS_21:Log objects are written once and never changed; the lifecycle rule expires them after the retention, and versioning would keep expired logs as noncurrent versions past it
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy every log line to a second region at double the storage; a caller who needs that gives an existing, replicated bucket of their own
  #checkov:skip=CKV2_AWS_62:Nothing reacts to log objects as they arrive: they are read when investigating; event notifications are an integration feature, not a control
  count = local.create_flow_log_bucket ? 1 : 0

  bucket_prefix = "${substr(local.name_prefix, 0, 27)}-flow-logs-" # at most 37 characters
  force_destroy = var.flow_logs_force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "flow_logs" {
  count = local.create_flow_log_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.flow_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "flow_logs" {
  count = local.create_flow_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.flow_logs[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "flow_logs" {
  count = local.create_flow_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.flow_logs[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "flow_logs" {
  count = local.create_flow_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.flow_logs[0].id
  rule {
    id     = "expire-flow-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.flow_logs_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "flow_logs" {
  count = local.create_flow_log_bucket ? 1 : 0

  statement {
    sid       = "AWSLogDeliveryWrite"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.flow_logs[0].arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }

  statement {
    sid       = "AWSLogDeliveryAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.flow_logs[0].arn]
    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.flow_logs[0].arn, "${aws_s3_bucket.flow_logs[0].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "flow_logs" {
  count = local.create_flow_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs[0].json

  depends_on = [aws_s3_bucket_public_access_block.flow_logs]
}
