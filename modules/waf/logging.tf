# WAF logs: the requests this web ACL blocked or counted (by default; `logging = "all"` keeps every request), with
# the Cookie and Authorization headers redacted so that no session or credential lands in the logs. To a CloudWatch
# log group this module creates (`aws-waf-logs-<name>`, the name prefix WAF requires, with a retention), or to
# `log_destination_arn` of your own (a log group, S3 bucket or Firehose stream named aws-waf-logs-...). On by
# default: only blocked and counted requests are written, so the volume follows attacks, not traffic. WAF adds
# the log group's resource policy for delivery itself when it is given the destination ("Sending web ACL traffic
# logs to an Amazon CloudWatch Logs log group", AWS WAF Developer Guide).

locals {
  logging           = var.logging != "off"
  create_log_group  = local.logging && var.log_destination_arn == null
  log_destination   = var.log_destination_arn != null ? var.log_destination_arn : one(aws_cloudwatch_log_group.waf[*].arn)
  only_blocked_logs = var.logging == "blocked"
}

resource "aws_cloudwatch_log_group" "waf" {
  count = local.create_log_group ? 1 : 0

  name              = "aws-waf-logs-${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count = local.logging ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [local.log_destination]

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  dynamic "logging_filter" {
    for_each = local.only_blocked_logs ? [1] : []
    content {
      default_behavior = "DROP"

      filter {
        behavior    = "KEEP"
        requirement = "MEETS_ANY"
        condition {
          action_condition {
            action = "BLOCK"
          }
        }
        condition {
          action_condition {
            action = "COUNT"
          }
        }
      }
    }
  }
}
