# CloudFront access logs through standard logging v2: CloudWatch Logs vended-log delivery from a delivery
# source for the distribution to a destination, all in us-east-1, where CloudFront's log sources live
# ("Configure standard logging (v2)", CloudFront Developer Guide). To a log bucket this module makes
# (modules/log-bucket: private, TLS only, objects expiring after access_logs_retention_days) or to
# access_logs_destination_arn of your own (an S3 bucket, a CloudWatch log group or a Firehose stream).
# On by default: the charge is per GB of logs delivered and stored, small next to the traffic that makes them.

data "aws_partition" "current" {}

locals {
  access_logs_bucket      = var.access_logs_enabled && var.access_logs_destination_arn == null
  access_logs_destination = var.access_logs_destination_arn != null ? var.access_logs_destination_arn : one(module.access_logs[*].arn)
}

module "access_logs" {
  source = "../log-bucket"
  count  = local.access_logs_bucket ? 1 : 0

  name_prefix    = "${substr(local.name_prefix, 0, 27)}-cdn-logs"
  retention_days = var.access_logs_retention_days
  force_destroy  = var.force_destroy
  tags           = local.tags

  # Delivery rights per "Enable logging from AWS services: Logs sent to Amazon S3" (CloudWatch Logs User Guide).
  writers = [{
    sid              = "CloudFrontLogDelivery"
    principal        = { type = "Service", identifiers = ["delivery.logs.amazonaws.com"] }
    key_prefix       = "AWSLogs/${data.aws_caller_identity.current.account_id}/"
    source_account   = data.aws_caller_identity.current.account_id
    source_arns      = ["arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:delivery-source:*"]
    bucket_acl_check = false
  }]
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
    destination_resource_arn = local.access_logs_destination
  }

  # The service checks that it may write when the delivery is made.
  depends_on = [module.access_logs]
}

resource "aws_cloudwatch_log_delivery" "cloudfront" {
  count = var.access_logs_enabled ? 1 : 0

  delivery_source_name     = aws_cloudwatch_log_delivery_source.cloudfront[0].name
  delivery_destination_arn = aws_cloudwatch_log_delivery_destination.cloudfront[0].arn
  tags                     = local.tags
}
