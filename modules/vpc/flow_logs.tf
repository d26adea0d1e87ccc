# VPC flow logs (accepted and rejected connections of every network interface: who talked to whom, on which
# port) to S3: a bucket this module creates (modules/log-bucket: private, SSE-S3, objects expire after
# flow_logs_retention_days) or flow_logs_bucket_arn of your own. On by default: S3 delivery is the cheapest
# flow-log destination, and a record of who connected is what an incident needs first. Delivery rights per
# "Flow logs: S3 bucket permissions" (Amazon VPC User Guide): the log delivery service, for this account's flow
# logs only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  create_flow_log_bucket = var.flow_logs_enabled && var.flow_logs_bucket_arn == null
  flow_log_bucket_arn    = var.flow_logs_bucket_arn != null ? var.flow_logs_bucket_arn : one(module.flow_logs_bucket[*].arn)
}

resource "aws_flow_log" "this" {
  count = var.flow_logs_enabled ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = "s3"
  log_destination          = local.flow_log_bucket_arn
  max_aggregation_interval = 600
  tags                     = merge(local.tags, { Name = local.name_prefix })

  depends_on = [module.flow_logs_bucket] # the service checks that it may write when the flow log is made
}

module "flow_logs_bucket" {
  source = "../log-bucket"
  count  = local.create_flow_log_bucket ? 1 : 0

  name_prefix    = "${substr(local.name_prefix, 0, 27)}-flow-logs" # at most 37 characters
  retention_days = var.flow_logs_retention_days
  force_destroy  = var.flow_logs_force_destroy
  tags           = local.tags

  writers = [{
    sid              = "AWSLogDeliveryWrite"
    principal        = { type = "Service", identifiers = ["delivery.logs.amazonaws.com"] }
    key_prefix       = "AWSLogs/${data.aws_caller_identity.current.account_id}/"
    source_account   = data.aws_caller_identity.current.account_id
    source_arns      = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*"]
    bucket_acl_check = true
  }]
}

# The bucket was written inline here before modules/log-bucket; these move existing state into the module call
# instead of replacing the bucket (and its logs).
moved {
  from = aws_s3_bucket.flow_logs[0]
  to   = module.flow_logs_bucket[0].aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.flow_logs[0]
  to   = module.flow_logs_bucket[0].aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.flow_logs[0]
  to   = module.flow_logs_bucket[0].aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.flow_logs[0]
  to   = module.flow_logs_bucket[0].aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.flow_logs[0]
  to   = module.flow_logs_bucket[0].aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.flow_logs[0]
  to   = module.flow_logs_bucket[0].aws_s3_bucket_policy.this
}
