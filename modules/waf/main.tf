# One WAFv2 web ACL as every nextstack layout puts it in front of its entry point: requests allowed by default, a
# per-IP rate limit first, then AWS managed rule groups in the given order, metrics and sampled requests on for
# each rule. The modules that need one (edge, api, static-site, nextjs-serverless, fargate-service) call this one.

data "aws_region" "current" {}

resource "aws_wafv2_web_acl" "this" {
  #checkov:skip=CKV_AWS_192:Scanner mistake: managed_rule_groups defaults to AWSManagedRulesKnownBadInputsRuleSet, whose Log4JRCE rules block CVE-2021-44228; checkov misses it through a counted module call (fargate-service's module.waf[0])
  name        = var.name
  description = var.description
  scope       = var.scope

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit"
    priority = 0
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.rate_limit
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = var.managed_rule_groups
    content {
      name     = rule.value
      priority = rule.key + 1
      # The group's own actions apply (none: no override to count-only).
      override_action {
        none {}
      }
      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.value
        }
      }
      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.value}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }

  tags = var.tags

  lifecycle {
    precondition {
      # CloudFront takes only web ACLs made in us-east-1 with scope CLOUDFRONT.
      condition     = var.scope != "CLOUDFRONT" || data.aws_region.current.name == "us-east-1"
      error_message = "The CLOUDFRONT-scope web ACL ${var.name} must be made with an aws provider configured for us-east-1 (CLOUDFRONT-scope WAFs and CloudFront certificates live there), not ${data.aws_region.current.name}."
    }
  }
}
