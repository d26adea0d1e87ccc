# Edge stack (changes rarely; us-east-1, where CloudFront takes certificates and CLOUDFRONT-scope WAFs):
# the distribution with the seed's routing (S3 through origin access control, the ALB through a VPC origin over
# HTTPS, or over plain HTTP with origin_protocol = "http"; the origin-verify header either way), its WAF, a
# certificate validated in the DNS account's zone and the site's aliases there. The ALB, the bucket and the origin
# secret are read from the origin region through SSM.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}


locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "edge", "nextstack:environment" = var.environment })
  names       = concat([var.domain_name], var.include_www ? ["www.${var.domain_name}"] : [])

  data       = module.ssm_names.names["data"]
  networking = module.ssm_names.names["networking"]
  found      = data.nextstack_ssm_parameters.origins.values

  alb_dns_name  = local.found[local.networking["alb_dns_name"]]
  alb_arn       = local.found[local.networking["alb_arn"]]
  vpc_origin    = var.origin_protocol == "https"
  verify_header = local.found[local.networking["origin_verify_header"]]
  verify_secret = data.nextstack_ssm_parameters.origins.secure_values[local.networking["origin_verify_secret"]]
  bucket_domain = local.found[local.data["assets_bucket_regional_domain_name"]]

  # AWS managed policies by id (the same in every account), and this module's own for the Next.js server
  # (cache-policies.tf).
  cache_policy_ids = {
    immutable = "658327ea-f89d-4fab-a63d-7e88639e58f6" # Managed-CachingOptimized
    origin    = "4cc15a8a-d715-48a4-82b8-cc0b614638fe" # Managed-UseOriginCacheControlHeaders-QueryStrings
    disabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" # Managed-CachingDisabled
    next      = aws_cloudfront_cache_policy.next.id
    image     = aws_cloudfront_cache_policy.image.id
  }
  origin_request_policy_ids = {
    assets = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf" # Managed-CORS-S3Origin
    app    = "216adef6-5c7f-47e4-b989-5492eafa07d3" # Managed-AllViewer
  }
  response_headers_policy_id = "67f7725c-6f97-4210-82d7-5512b31e9d03" # Managed-SecurityHeadersPolicy
}

# What the networking and data stacks published in the origin region. The origin secret comes as a
# SecureString in `secure_values`; it ends up in the distribution's state in any case (a custom origin
# header is not a write-only attribute), so the ephemeral resource would not keep it out of state here.
data "nextstack_ssm_parameters" "origins" {
  region = var.origin_region
  names = [
    local.networking["alb_arn"],
    local.networking["alb_dns_name"],
    local.networking["origin_verify_header"],
    local.networking["origin_verify_secret"],
    local.data["assets_bucket_regional_domain_name"],
  ]
}

# ------------------------------------------------------------------------------------------------ certificate

resource "nextstack_acm_certificate" "site" {
  domain_name               = var.domain_name
  subject_alternative_names = local.names
  region                    = "us-east-1" # the only region CloudFront takes certificates from

  validation {
    hosted_zone_id = var.hosted_zone_id
    role_arn       = var.dns_role_arn
    external_id    = var.dns_external_id
  }

  tags = local.tags

  # A change of names replaces the certificate: issue the new one before the old one goes.
  lifecycle {
    create_before_destroy = true
  }
}

# ------------------------------------------------------------------------------------------------ WAF

module "waf" {
  source = "../waf"

  name                = "${local.name_prefix}-edge"
  description         = "Rate limit and AWS managed rules in front of CloudFront"
  scope               = "CLOUDFRONT"
  rate_limit          = var.rate_limit
  managed_rule_groups = var.managed_rule_groups
  tags                = local.tags
}

# The web ACL was this module's own resource before modules/waf.
moved {
  from = aws_wafv2_web_acl.edge
  to   = module.waf.aws_wafv2_web_acl.this
}

# ------------------------------------------------------------------------------------------------ distribution

# CloudFront's way into the internal ALB: CloudFront places its own network interfaces in the ALB's private
# subnets, so the ALB needs no public address ("Restrict access with VPC origins", CloudFront Developer Guide).
# HTTPS on 443: the networking stack's listener, with a certificate for the site's names.
resource "aws_cloudfront_vpc_origin" "app" {
  count = local.vpc_origin ? 1 : 0

  vpc_origin_endpoint_config {
    name                   = "${local.name_prefix}-app"
    arn                    = local.alb_arn
    http_port              = 80
    https_port             = 443
    origin_protocol_policy = "https-only"

    origin_ssl_protocols {
      items    = ["TLSv1.2"]
      quantity = 1
    }
  }

  tags = local.tags
}

resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "${local.name_prefix}-assets"
  description                       = "Assets bucket of ${local.name_prefix}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_distribution" "site" {
  #checkov:skip=CKV2_AWS_32:Scanner mistake: every cache behaviour attaches AWS's managed SecurityHeadersPolicy (HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy) by its ID, and checkov only recognises a policy resource defined in the configuration
  #checkov:skip=CKV_AWS_305:The origin is the Next.js server, which answers / itself; a default root object rewrites / to an object key, which only an S3 origin needs
  #checkov:skip=CKV_AWS_310:The application runs in one region behind one load balancer; an origin group needs a second deployment elsewhere to fail over to, which this layout does not run
  #checkov:skip=CKV_AWS_374:A public website served to every country: blocking countries is a business decision for the caller, and the distribution's WAF (per-IP rate limit, AWS managed rules) screens every request
  #checkov:skip=CKV_AWS_86:Scanner mistake: access logs are CloudFront standard logging v2 (access_logs.tf: a log delivery source, destination and delivery, on by default), and checkov only knows the legacy logging_config block
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = local.names
  comment         = "${local.name_prefix} (nextstack edge stack)"
  web_acl_id      = module.waf.arn

  wait_for_deployment = var.wait_for_deployment

  origin {
    origin_id                = "assets"
    domain_name              = local.bucket_domain
    origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
  }

  # The ALB: through the VPC origin over HTTPS (default), or with origin_protocol = "http" over plain HTTP across
  # the internet (the seed's choice, insecure). The header proves the request came through this distribution
  # (and its WAF): the only gate for http, defence in depth for the VPC origin.
  origin {
    origin_id   = "app"
    domain_name = local.alb_dns_name

    dynamic "vpc_origin_config" {
      for_each = local.vpc_origin ? [1] : []
      content {
        vpc_origin_id = aws_cloudfront_vpc_origin.app[0].id
      }
    }

    dynamic "custom_origin_config" {
      for_each = local.vpc_origin ? [] : [1]
      content {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "http-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }

    custom_header {
      name  = local.verify_header
      value = local.verify_secret
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.behaviors
    content {
      path_pattern               = ordered_cache_behavior.value.path_pattern
      target_origin_id           = ordered_cache_behavior.value.origin
      allowed_methods            = ordered_cache_behavior.value.origin == "app" ? ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"] : ["GET", "HEAD", "OPTIONS"]
      cached_methods             = ["GET", "HEAD"]
      viewer_protocol_policy     = "redirect-to-https"
      compress                   = true
      cache_policy_id            = local.cache_policy_ids[ordered_cache_behavior.value.cache]
      origin_request_policy_id   = local.origin_request_policy_ids[ordered_cache_behavior.value.origin]
      response_headers_policy_id = local.response_headers_policy_id
    }
  }

  default_cache_behavior {
    target_origin_id           = "app"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = local.cache_policy_ids["next"]
    origin_request_policy_id   = local.origin_request_policy_ids["app"]
    response_headers_policy_id = local.response_headers_policy_id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = nextstack_acm_certificate.site.arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = local.tags
}

# ------------------------------------------------------------------------------------------------ DNS

resource "nextstack_dns_alias" "site" {
  hosted_zone_id = var.hosted_zone_id
  role_arn       = var.dns_role_arn
  external_id    = var.dns_external_id
  names          = local.names

  target {
    dns_name       = aws_cloudfront_distribution.site.domain_name
    hosted_zone_id = aws_cloudfront_distribution.site.hosted_zone_id
  }
}

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["edge"]

  values = {
    distribution_id          = aws_cloudfront_distribution.site.id
    distribution_arn         = aws_cloudfront_distribution.site.arn
    distribution_domain_name = aws_cloudfront_distribution.site.domain_name
    certificate_arn          = nextstack_acm_certificate.site.arn
    web_acl_arn              = module.waf.arn
  }

  tags = local.tags
}
