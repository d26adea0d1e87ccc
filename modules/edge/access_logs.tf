# CloudFront access logs through standard logging v2 (CloudWatch Logs vended-log delivery: a delivery source for
# the distribution, a destination, the delivery between them; all in us-east-1, where CloudFront's log sources
# live). To an S3 bucket this module creates (modules/log-bucket: private, SSE-S3, objects expire after
# access_logs_retention_days) or to access_logs_destination_arn of your own (an S3 bucket, a CloudWatch log group
# or a Firehose stream).
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
  log_destination   = var.access_logs_destination_arn != null ? var.access_logs_destination_arn : one(module.access_logs[*].arn)
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

  # The service checks that it may write when the destination is made.
  depends_on = [module.access_logs]
}

resource "aws_cloudwatch_log_delivery" "cloudfront" {
  count = var.access_logs_enabled ? 1 : 0

  delivery_source_name     = aws_cloudwatch_log_delivery_source.cloudfront[0].name
  delivery_destination_arn = aws_cloudwatch_log_delivery_destination.cloudfront[0].arn
  record_fields            = local.access_log_fields
  tags                     = local.tags
}

module "access_logs" {
  source = "../log-bucket"
  count  = local.create_log_bucket ? 1 : 0

  name_prefix    = "${substr(local.name_prefix, 0, 26)}-edge-logs" # at most 37 characters
  retention_days = var.access_logs_retention_days
  force_destroy  = var.access_logs_force_destroy
  tags           = local.tags

  writers = [{
    sid              = "AWSLogDeliveryWrite"
    principal        = { type = "Service", identifiers = ["delivery.logs.amazonaws.com"] }
    key_prefix       = "AWSLogs/${data.aws_caller_identity.current.account_id}/"
    source_account   = data.aws_caller_identity.current.account_id
    source_arns      = ["arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:delivery-source:*"]
    bucket_acl_check = false
  }]
}

# The bucket was written inline here before modules/log-bucket; these move existing state into the module call
# instead of replacing the bucket (and its logs).

moved {
  from = aws_s3_bucket.access_logs[0]
  to   = module.access_logs[0].aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.access_logs[0]
  to   = module.access_logs[0].aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.access_logs[0]
  to   = module.access_logs[0].aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.access_logs[0]
  to   = module.access_logs[0].aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.access_logs[0]
  to   = module.access_logs[0].aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.access_logs[0]
  to   = module.access_logs[0].aws_s3_bucket_policy.this
}
