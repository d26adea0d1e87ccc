# Edge stack (changes rarely): CloudFront, its WAF and certificate, which must live in us-east-1.
#
# The ALB and the assets bucket live in eu-west-1. This stack finds them the way every stack finds
# another's resources: by reading the SSM parameters the networking and data stacks published
# there. One provider block in us-east-1 reads eu-west-1 through the data source's `region`.

terraform {
  required_version = ">= 1.0"

  required_providers {
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}

provider "nextstack" {
  region = "us-east-1"
}

variable "environment" {
  description = "Environment name; part of every resource and parameter name."
  type        = string
  default     = "quickstart"
}

variable "origin_region" {
  description = "Region where the data and networking stacks publish their parameters."
  type        = string
  default     = "eu-west-1"
}

locals {
  prefix              = "/nextstack/${var.environment}"
  alb_dns_name_param  = "${local.prefix}/networking/alb_dns_name"
  assets_bucket_param = "${local.prefix}/data/assets_bucket_name"
  found               = data.nextstack_ssm_parameters.origins.values
  s3_origin_domain    = "${local.found[local.assets_bucket_param]}.s3.${var.origin_region}.amazonaws.com"
}

# The two names CloudFront needs, read by name from eu-west-1. If a producer stack has not been
# applied (or renamed a parameter), this read fails and names each missing parameter.
data "nextstack_ssm_parameters" "origins" {
  region = var.origin_region
  names  = [local.alb_dns_name_param, local.assets_bucket_param]
}

# Everything the environment has published in eu-west-1, read by path (for the outputs below).
data "nextstack_ssm_parameters" "environment" {
  region = var.origin_region
  path   = "${local.prefix}/"
}

# In a real edge stack the values feed the distribution (hashicorp/aws):
#
#   resource "aws_cloudfront_distribution" "site" {
#     origin {
#       origin_id   = "alb"
#       domain_name = local.found[local.alb_dns_name_param]
#       custom_origin_config { origin_protocol_policy = "http-only" ... }
#     }
#     origin {
#       origin_id                = "assets"
#       domain_name              = local.s3_origin_domain
#       origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
#     }
#     ...
#   }
#
# The edge stack publishes its own results in its own region, us-east-1, for the stacks and
# tools that come after it.
resource "nextstack_ssm_parameters" "published" {
  path_prefix = "${local.prefix}/edge/"

  values = {
    alb_origin_domain = local.found[local.alb_dns_name_param]
    s3_origin_domain  = local.s3_origin_domain
  }

  tags = {
    stack       = "edge"
    environment = var.environment
  }
}

output "alb_dns_name" {
  description = "The ALB's DNS name, read from eu-west-1."
  value       = local.found[local.alb_dns_name_param]
}

output "assets_bucket_name" {
  description = "The assets bucket's name, read from eu-west-1."
  value       = local.found[local.assets_bucket_param]
}

output "s3_origin_domain" {
  value = local.s3_origin_domain
}

output "discovered" {
  description = "Every String parameter published under /nextstack/<environment>/ in eu-west-1."
  value       = data.nextstack_ssm_parameters.environment.values
}

output "published" {
  description = "SSM parameters this stack publishes (us-east-1)."
  value       = nextstack_ssm_parameters.published.names
}
