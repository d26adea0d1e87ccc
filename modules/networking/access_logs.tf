# ALB access logs (one line per request: client, target, status, TLS, the WAF's decision) to S3: a bucket this
# module creates (SSE-S3, which is what ALB log delivery supports; private; objects expire after
# access_logs_retention_days) or access_logs_bucket of your own. On by default: the cost is the S3 storage only.
# Delivery rights per "Enable access logs for your Application Load Balancer" (ELB User Guide): the region's
# Elastic Load Balancing account may put objects under <prefix>/AWSLogs/<account>/.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_elb_service_account" "this" {}

locals {
  create_log_bucket = var.access_logs_enabled && var.access_logs_bucket == null
  log_bucket        = var.access_logs_bucket != null ? var.access_logs_bucket : one(aws_s3_bucket.access_logs[*].id)
}

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_145:Elastic Load Balancing delivers access logs only to buckets encrypted with SSE-S3 (ELB User Guide), so SSE-KMS would stop the logs; the bucket is private and refuses plain HTTP
  #checkov:skip=CKV_AWS_18:This bucket is the log destination itself; S3 access logs of it would need yet another bucket and record only the log service's own writes and the reads of whoever investigates
  #checkov:skip=CKV_AWS_21:Log objects are written once and never changed; the lifecycle rule expires them after the retention, and versioning would keep expired logs as noncurrent versions past it
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy every log line to a second region at double the storage; a caller who needs that gives an existing, replicated bucket of their own
  #checkov:skip=CKV2_AWS_62:Nothing reacts to log objects as they arrive: they are read when investigating; event notifications are an integration feature, not a control
  count = local.create_log_bucket ? 1 : 0

  bucket_prefix = "${substr(local.name_prefix, 0, 27)}-alb-logs-" # at most 37 characters
  force_destroy = !var.deletion_protection                        # the logs go with a throw-away environment
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.access_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256" # ALB log delivery supports SSE-S3 only
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_logs_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  statement {
    sid       = "ElbLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs[0].arn}/alb/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.this.arn]
    }
  }

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs[0].arn, "${aws_s3_bucket.access_logs[0].arn}/*"]
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

resource "aws_s3_bucket_policy" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  policy = data.aws_iam_policy_document.access_logs[0].json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}
