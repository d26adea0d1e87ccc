# S3 server access logs of the assets and cache buckets: one line per request to the bucket (requester, operation,
# key, status, bytes), which CloudTrail data events record only where the account pays for them. To a log bucket
# this module makes (modules/log-bucket: private, SSE-S3, objects expiring after s3_access_logs_retention_days; it
# does not log itself) or to s3_access_logs_bucket of your own, under <s3_access_logs_prefix><bucket's role>/. On
# by default: the cost is the S3 storage of the logs. Delivery rights per "Enabling Amazon S3 server access
# logging" (Amazon S3 User Guide): a bucket policy for logging.s3.amazonaws.com, limited to the source buckets
# (aws:SourceArn) of this account (aws:SourceAccount), each under its own prefix; the target must be in the same
# region and account and must not use SSE-KMS.

locals {
  s3_access_logs_bucket = var.s3_access_logs_enabled && var.s3_access_logs_bucket == null
  s3_access_logs_target = var.s3_access_logs_bucket != null ? var.s3_access_logs_bucket : one(module.s3_access_logs[*].bucket)
}

module "s3_access_logs" {
  source = "../log-bucket"
  count  = local.s3_access_logs_bucket ? 1 : 0

  name_prefix    = "${substr(local.name_prefix, 0, 29)}-s3-logs" # at most 37 characters
  retention_days = var.s3_access_logs_retention_days
  force_destroy  = var.s3_access_logs_force_destroy
  tags           = local.tags

  writers = [
    {
      sid              = "S3ServerAccessLogsAssets"
      principal        = { type = "Service", identifiers = ["logging.s3.amazonaws.com"] }
      key_prefix       = "${var.s3_access_logs_prefix}assets/"
      source_account   = data.aws_caller_identity.current.account_id
      source_arns      = [aws_s3_bucket.assets.arn]
      bucket_acl_check = false
    },
    {
      sid              = "S3ServerAccessLogsCache"
      principal        = { type = "Service", identifiers = ["logging.s3.amazonaws.com"] }
      key_prefix       = "${var.s3_access_logs_prefix}cache/"
      source_account   = data.aws_caller_identity.current.account_id
      source_arns      = [aws_s3_bucket.cache.arn]
      bucket_acl_check = false
    },
  ]
}

resource "aws_s3_bucket_logging" "assets" {
  count = var.s3_access_logs_enabled ? 1 : 0

  bucket        = aws_s3_bucket.assets.id
  target_bucket = local.s3_access_logs_target
  target_prefix = "${var.s3_access_logs_prefix}assets/"

  # S3 checks that the logging service may write to the target when logging is turned on.
  depends_on = [module.s3_access_logs]
}

resource "aws_s3_bucket_logging" "cache" {
  count = var.s3_access_logs_enabled ? 1 : 0

  bucket        = aws_s3_bucket.cache.id
  target_bucket = local.s3_access_logs_target
  target_prefix = "${var.s3_access_logs_prefix}cache/"

  # S3 checks that the logging service may write to the target when logging is turned on.
  depends_on = [module.s3_access_logs]
}
