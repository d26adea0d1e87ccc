# ALB access logs (one line per request: client, target, status, TLS, the WAF's decision) to S3: a bucket this
# module creates (modules/log-bucket: SSE-S3, which is what ALB log delivery supports; private; objects expire
# after access_logs_retention_days) or access_logs_bucket of your own. On by default: the cost is the S3 storage
# only.
# Delivery rights per "Enable access logs for your Application Load Balancer" (ELB User Guide): the region's
# Elastic Load Balancing account may put objects under <prefix>/AWSLogs/<account>/.

data "aws_caller_identity" "current" {}
data "aws_elb_service_account" "this" {}

locals {
  create_log_bucket = var.access_logs_enabled && var.access_logs_bucket == null
  log_bucket        = var.access_logs_bucket != null ? var.access_logs_bucket : one(module.access_logs[*].bucket)
}

module "access_logs" {
  source = "../log-bucket"
  count  = local.create_log_bucket ? 1 : 0

  name_prefix    = "${substr(local.name_prefix, 0, 27)}-alb-logs" # at most 37 characters
  retention_days = var.access_logs_retention_days
  force_destroy  = !var.deletion_protection # the logs go with a throw-away environment
  tags           = local.tags

  writers = [{
    sid              = "ElbLogDelivery"
    principal        = { type = "AWS", identifiers = [data.aws_elb_service_account.this.arn] }
    key_prefix       = "alb/AWSLogs/${data.aws_caller_identity.current.account_id}/"
    source_account   = null # the ELB User Guide's grant to the region's ELB account carries no conditions
    source_arns      = []
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
