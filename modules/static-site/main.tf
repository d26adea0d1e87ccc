# Static site (seed 003's front end; us-east-1, where CloudFront takes certificates and CLOUDFRONT-scope WAFs): a
# private, versioned, encrypted S3 bucket read only by this distribution through origin access control, a
# viewer-request CloudFront Function that sends www.<domain> to <domain> with a 301 (same path and query string)
# and serves directory paths from their index.html, a WAF, a certificate validated in the DNS account's zone and
# the apex and www aliases there. Publishes the bucket and distribution under /nextstack/<environment>/static-site/.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "static-site", "nextstack:environment" = var.environment })
  names       = concat([var.domain_name], var.include_www ? ["www.${var.domain_name}"] : [])

  # AWS managed policies (their ids are the same in every account).
  cache_policy_id            = "658327ea-f89d-4fab-a63d-7e88639e58f6" # Managed-CachingOptimized
  response_headers_policy_id = "67f7725c-6f97-4210-82d7-5512b31e9d03" # Managed-SecurityHeadersPolicy
}

# ------------------------------------------------------------------------------------------------ bucket

resource "aws_s3_bucket" "site" {
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for content that is rebuilt anyway: the static export, uploaded again by every deploy
  #checkov:skip=CKV2_AWS_62:Nothing needs to react to writes in this bucket: the deploy uploads the static export and CloudFront serves it; S3 event notifications are an integration feature, not a control
  bucket        = "${local.name_prefix}-site-${data.aws_caller_identity.current.account_id}"
  force_destroy = var.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# Every deploy (`aws s3 sync --delete`) leaves the replaced files as noncurrent versions: a rollback window,
# not an archive.
resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    id     = "expire-replaced-files"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.site]
}

# Only this distribution may read (origin access control signs its requests); nothing may use plain HTTP.
data "aws_iam_policy_document" "site" {
  statement {
    sid       = "CloudFrontOriginAccessControl"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.site.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json

  # A policy applied before the public access block could be refused as public by S3.
  depends_on = [aws_s3_bucket_public_access_block.site]
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

  name                = "${local.name_prefix}-site"
  description         = "Rate limit and AWS managed rules in front of the static site"
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

# ------------------------------------------------------------------------------------------------ distribution

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${local.name_prefix}-site"
  description                       = "Site bucket of ${local.name_prefix}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# The www-to-apex redirect and the directory index rewrite (functions/viewer-request.js, run by the tests).
resource "aws_cloudfront_function" "viewer_request" {
  name    = "${local.name_prefix}-viewer-request"
  runtime = "cloudfront-js-2.0"
  comment = "www.${var.domain_name} -> ${var.domain_name} (301, same path and query); /dir/ -> /dir/index.html"
  code    = file("${path.module}/functions/viewer-request.js")
  publish = true
}

resource "aws_cloudfront_distribution" "site" {
  #checkov:skip=CKV2_AWS_32:Scanner mistake: every cache behaviour attaches AWS's managed SecurityHeadersPolicy (HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy) by its ID, and checkov only recognises a policy resource defined in the configuration
  #checkov:skip=CKV_AWS_310:One bucket in one region serves the export; failover needs a replica bucket in another region (see the bucket's CKV_AWS_144), for content the build recreates
  #checkov:skip=CKV_AWS_374:A public website served to every country: blocking countries is a business decision for the caller, and the distribution's WAF (per-IP rate limit, AWS managed rules) screens every request
  #checkov:skip=CKV_AWS_86:Scanner mistake: access logs are CloudFront standard logging v2 (access_logs.tf: a log delivery source, destination and delivery, on by default), and checkov only knows the legacy logging_config block
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  aliases             = local.names
  comment             = "${local.name_prefix} (nextstack static site)"
  default_root_object = "index.html"
  web_acl_id          = module.waf.arn

  wait_for_deployment = var.wait_for_deployment

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  default_cache_behavior {
    target_origin_id           = "site"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = local.cache_policy_id
    response_headers_policy_id = local.response_headers_policy_id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.viewer_request.arn
    }
  }

  # Without s3:ListBucket, S3 answers 403 for a file that does not exist: both become the export's 404 page.
  dynamic "custom_error_response" {
    for_each = var.not_found_page == null ? [] : [403, 404]
    content {
      error_code            = custom_error_response.value
      response_code         = 404
      response_page_path    = var.not_found_page
      error_caching_min_ttl = 60
    }
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
  path_prefix = module.ssm_names.stack_prefixes["static-site"]

  values = {
    bucket_name              = aws_s3_bucket.site.id
    distribution_id          = aws_cloudfront_distribution.site.id
    distribution_arn         = aws_cloudfront_distribution.site.arn
    distribution_domain_name = aws_cloudfront_distribution.site.domain_name
    site_url                 = "https://${var.domain_name}"
    certificate_arn          = nextstack_acm_certificate.site.arn
    web_acl_arn              = module.waf.arn
  }

  tags = local.tags
}
