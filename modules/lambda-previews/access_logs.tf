# ALB access logs (one line per request: client, host, status, TLS, the rule it matched) to S3: a log bucket this
# module makes (modules/log-bucket: private, SSE-S3, which is what ALB log delivery supports, objects expiring
# after access_logs_retention_days) or access_logs_bucket of your own. On by default: the cost is the S3 storage.
# Delivery rights per "Enable access logs for your Application Load Balancer" (ELB User Guide): the region's
# Elastic Load Balancing account may put objects under <prefix>/AWSLogs/<account>/.

data "aws_caller_identity" "current" {}
data "aws_elb_service_account" "this" {}

locals {
  access_logs_bucket_made = var.access_logs_enabled && var.access_logs_bucket == null
  access_logs_bucket      = var.access_logs_bucket != null ? var.access_logs_bucket : one(module.access_logs[*].bucket)
}

module "access_logs" {
  source = "../log-bucket"
  count  = local.access_logs_bucket_made ? 1 : 0

  name_prefix    = "${substr(local.name_prefix, 0, 28)}-alb-logs"
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
