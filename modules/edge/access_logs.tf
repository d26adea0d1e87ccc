# CloudFront access logs through standard logging v2 (CloudWatch Logs vended-log delivery: a delivery source for
# the distribution, a destination, the delivery between them; all in us-east-1, where CloudFront's log sources
# live). To an S3 bucket this module creates (private, SSE-S3, objects expire after access_logs_retention_days)
# or to access_logs_destination_arn of your own (an S3 bucket, a CloudWatch log group or a Firehose stream).
# On by default: the charge is per GB of logs delivered and stored, small next to the traffic that makes them.
# Delivery rights per "Enable logging from AWS services: Logs sent to Amazon S3" (CloudWatch Logs User Guide):
# delivery.logs.amazonaws.com, for this account's delivery sources only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # Every standard-logging-v2 field of a CloudFront access log but cs(Cookie): session cookies stay out of the logs
  # (the legacy logging's include_cookies = false), as a delivery without record_fields would include them.
  access_log_fields = [
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem", "sc-status",
    "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "x-edge-result-type", "x-edge-request-id", "x-host-header",
    "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port",
    "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "sc-range-start",
    "sc-range-end",
  ]
  create_log_bucket = var.access_logs_enabled && var.access_logs_destination_arn == null
  log_destination   = var.access_logs_destination_arn != null ? var.access_logs_destination_arn : one(aws_s3_bucket.access_logs[*].arn)
}

resource "aws_cloudwatch_log_delivery_source" "cloudfront" {
  count = var.access_logs_enabled ? 1 : 0

  name         = "${local.name_prefix}-cloudfront"
  log_type     = "ACCESS_LOGS"
  resource_arn = aws_cloudfront_distribution.site.arn
  tags         = local.tags
}

resource "aws_cloudwatch_log_delivery_destination" "cloudfront" {
  count = var.access_logs_enabled ? 1 : 0

  name = "${local.name_prefix}-cloudfront"
  tags = local.tags

  delivery_destination_configuration {
    destination_resource_arn = local.log_destination
  }

  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_cloudwatch_log_delivery" "cloudfront" {
  count = var.access_logs_enabled ? 1 : 0

  delivery_source_name     = aws_cloudwatch_log_delivery_source.cloudfront[0].name
  delivery_destination_arn = aws_cloudwatch_log_delivery_destination.cloudfront[0].arn
  record_fields            = local.access_log_fields
  tags                     = local.tags
}

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_145:SSE-S3 at rest; SSE-KMS would need a key policy letting delivery.logs.amazonaws.com use the key, for logs of requests to a public site; a caller who needs it gives access_logs_destination_arn of their own
  #checkov:skip=CKV_AWS_18:This bucket is the log destination itself; S3 access logs of it would need yet another bucket and record only the log service's own writes and the reads of whoever investigates
  #checkov:skip=CKV_AWS_21:Log objects are written once and never changed; the lifecycle rule expires them after the retention, and versioning would keep expired logs as noncurrent versions past it
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy every log line to a second region at double the storage; a caller who needs that gives an existing, replicated bucket of their own
  #checkov:skip=CKV2_AWS_62:Nothing reacts to log objects as they arrive: they are read when investigating; event notifications are an integration feature, not a control
  count = local.create_log_bucket ? 1 : 0

  bucket_prefix = "${substr(local.name_prefix, 0, 26)}-edge-logs-" # at most 37 characters
  force_destroy = var.access_logs_force_destroy
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
      sse_algorithm = "AES256"
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
    sid       = "AWSLogDeliveryWrite"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs[0].arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
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
      values   = ["arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:delivery-source:*"]
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
