# CloudFront in front of everything: the build's behaviours in the build's order (its `*` behaviour is the
# default), S3 and the function URLs through origin access control, x-forwarded-host on the server
# behaviours and the request body's hash for origin access control (sign-body.tf), a CLOUDFRONT-scope WAF,
# and, with a domain, a certificate and aliases in the DNS account.

locals {
  origins = local.build.origins
  ordered = [for b in local.build.behaviors : b if b.pattern != "*"]
  default = one([for b in local.build.behaviors : b if b.pattern == "*"])
  # How each origin's responses are cached: Managed-CachingOptimized for the assets; the functions' own
  # Cache-Control for the rest, under this module's policies (cache-policies.tf) that key on what Next.js and the
  # image optimizer vary on.
  cache_policy = {
    for name, o in local.origins : name => (
      o.type == "s3" ? "658327ea-f89d-4fab-a63d-7e88639e58f6" : (
        local.origin_functions[name].role == "server" ? aws_cloudfront_cache_policy.server.id : aws_cloudfront_cache_policy.image.id
      )
    )
  }
  # What else reaches the origin: Managed-AllViewerExceptHostHeader for the function URLs (a function URL answers
  # only to its own Host); nothing more for S3.
  origin_request_policy = {
    for name, o in local.origins : name => o.type == "s3" ? null : "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  }
  response_headers_policy_id = "67f7725c-6f97-4210-82d7-5512b31e9d03" # Managed-SecurityHeadersPolicy
}

resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "${local.name_prefix}-assets"
  description                       = "Assets bucket of ${local.name_prefix}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_origin_access_control" "functions" {
  name                              = "${local.name_prefix}-functions"
  description                       = "Function URLs of ${local.name_prefix}"
  origin_access_control_origin_type = "lambda"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_function" "forwarded_host" {
  name    = "${local.name_prefix}-forwarded-host"
  comment = "Sets x-forwarded-host from Host for the Next.js server"
  runtime = "cloudfront-js-2.0"
  publish = true
  code    = file("${path.module}/cloudfront/forwarded-host.js")
}

module "waf" {
  source = "../waf"
  providers = {
    aws = aws.us_east_1
  }

  name                = "${local.name_prefix}-site"
  description         = "Rate limit and AWS managed rules in front of CloudFront"
  scope               = "CLOUDFRONT"
  rate_limit          = var.rate_limit
  managed_rule_groups = var.managed_rule_groups
  tags                = local.tags
}

# The web ACL was this module's own resource before modules/waf.
moved {
  from = aws_wafv2_web_acl.site
  to   = module.waf.aws_wafv2_web_acl.this
}

resource "nextstack_acm_certificate" "site" {
  count = var.domain_name == null ? 0 : 1

  domain_name               = var.domain_name
  subject_alternative_names = local.names
  region                    = "us-east-1" # the only region CloudFront takes certificates from

  validation {
    hosted_zone_id = var.hosted_zone_id
    role_arn       = var.dns_role_arn
    external_id    = var.dns_external_id
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
    precondition {
      condition     = var.hosted_zone_id != null
      error_message = "The hosted_zone_id is required with domain_name: the certificate is validated there."
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  #checkov:skip=CKV2_AWS_32:Scanner mistake: every cache behaviour attaches AWS's managed SecurityHeadersPolicy (HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy) by its ID, and checkov only recognises a policy resource defined in the configuration
  #checkov:skip=CKV_AWS_174:With a domain_name the certificate's minimum is TLSv1.2_2021; without one CloudFront's own *.cloudfront.net certificate serves, and CloudFront fixes that certificate's minimum protocol itself
  #checkov:skip=CKV_AWS_305:The build's routes decide what / is: the server function (or a prerendered page it serves); a default root object would rewrite / to an S3 key and bypass Next.js's routing
  #checkov:skip=CKV_AWS_310:Each path has one origin (the assets bucket, a function URL) in one region; failover needs a second deployment of the build elsewhere, which this layout does not run
  #checkov:skip=CKV_AWS_374:A public website served to every country: blocking countries is a business decision for the caller, and the distribution's WAF (per-IP rate limit, AWS managed rules) screens every request
  #checkov:skip=CKV_AWS_86:Scanner mistake: access logs are CloudFront standard logging v2 (access_logs.tf: a log delivery source, destination and delivery, on by default), and checkov only knows the legacy logging_config block
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  aliases             = local.names
  comment             = "${local.name_prefix} (nextstack nextjs-serverless)"
  web_acl_id          = module.waf.arn
  wait_for_deployment = var.wait_for_deployment

  dynamic "origin" {
    for_each = { for name, o in local.origins : name => o if o.type == "s3" }
    content {
      origin_id                = origin.key
      domain_name              = aws_s3_bucket.assets.bucket_regional_domain_name
      origin_path              = "/${local.assets_prefix}"
      origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
    }
  }

  dynamic "origin" {
    for_each = local.origin_functions
    content {
      origin_id                = origin.key
      domain_name              = trimsuffix(trimprefix(aws_lambda_function_url.origin[origin.key].function_url, "https://"), "/")
      origin_access_control_id = aws_cloudfront_origin_access_control.functions.id

      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "https-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.ordered
    content {
      path_pattern               = ordered_cache_behavior.value.pattern
      target_origin_id           = ordered_cache_behavior.value.origin
      allowed_methods            = local.origins[ordered_cache_behavior.value.origin].type == "s3" ? ["GET", "HEAD", "OPTIONS"] : ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      viewer_protocol_policy     = "redirect-to-https"
      compress                   = true
      cache_policy_id            = local.cache_policy[ordered_cache_behavior.value.origin]
      origin_request_policy_id   = local.origin_request_policy[ordered_cache_behavior.value.origin]
      response_headers_policy_id = local.response_headers_policy_id

      dynamic "function_association" {
        for_each = contains(keys(local.servers), ordered_cache_behavior.value.origin) ? [1] : []
        content {
          event_type   = "viewer-request"
          function_arn = aws_cloudfront_function.forwarded_host.arn
        }
      }

      dynamic "lambda_function_association" {
        for_each = contains(keys(local.servers), ordered_cache_behavior.value.origin) ? [1] : []
        content {
          event_type   = "origin-request"
          lambda_arn   = aws_lambda_function.sign_body.qualified_arn
          include_body = true
        }
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.default.origin
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = local.cache_policy[local.default.origin]
    origin_request_policy_id   = local.origin_request_policy[local.default.origin]
    response_headers_policy_id = local.response_headers_policy_id

    dynamic "function_association" {
      for_each = contains(keys(local.servers), local.default.origin) ? [1] : []
      content {
        event_type   = "viewer-request"
        function_arn = aws_cloudfront_function.forwarded_host.arn
      }
    }

    dynamic "lambda_function_association" {
      for_each = contains(keys(local.servers), local.default.origin) ? [1] : []
      content {
        event_type   = "origin-request"
        lambda_arn   = aws_lambda_function.sign_body.qualified_arn
        include_body = true
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  dynamic "viewer_certificate" {
    for_each = var.domain_name == null ? [] : [1]
    content {
      acm_certificate_arn      = nextstack_acm_certificate.site[0].arn
      ssl_support_method       = "sni-only"
      minimum_protocol_version = "TLSv1.2_2021"
    }
  }

  dynamic "viewer_certificate" {
    for_each = var.domain_name == null ? [1] : []
    content {
      cloudfront_default_certificate = true
    }
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = length(local.ordered) + 1 <= var.cloudfront_behavior_limit
      error_message = "The build has ${length(local.build.behaviors)} behaviours; CloudFront allows ${var.cloudfront_behavior_limit} per distribution (cloudfront_behavior_limit). Move public files into fewer folders, or raise the quota and cloudfront_behavior_limit."
    }
    precondition {
      condition     = local.default != null
      error_message = "The build has no \"*\" behaviour to make the distribution's default."
    }
  }
}

resource "nextstack_dns_alias" "site" {
  count = var.domain_name == null ? 0 : 1

  hosted_zone_id = var.hosted_zone_id
  role_arn       = var.dns_role_arn
  external_id    = var.dns_external_id
  names          = local.names

  target {
    dns_name       = aws_cloudfront_distribution.site.domain_name
    hosted_zone_id = aws_cloudfront_distribution.site.hosted_zone_id
  }
}
