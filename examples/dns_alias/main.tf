# nextstack_dns_alias: the site's names in the DNS account's hosted zone, pointing at a CloudFront
# distribution of the workload account, as A and AAAA alias records written in one change batch.
#
# Runs on Terraform >= 1.0.

terraform {
  required_version = ">= 1.0"

  required_providers {
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}

provider "nextstack" {
  region = "eu-west-1"
}

variable "domain" {
  description = "The site's domain: the apex and www are pointed at the distribution."
  type        = string
  default     = "example.com"
}

variable "hosted_zone_id" {
  description = "The domain's public hosted zone, in the DNS account."
  type        = string
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write A/AAAA records into the zone (see README.md). Null: the zone is in this account."
  type        = string
  default     = null
}

variable "distribution_domain_name" {
  description = "The CloudFront distribution's domain_name (aws_cloudfront_distribution.site.domain_name)."
  type        = string
  default     = "d111111abcdef8.cloudfront.net"
}

resource "nextstack_dns_alias" "site" {
  hosted_zone_id = var.hosted_zone_id
  role_arn       = var.dns_role_arn
  names          = [var.domain, "www.${var.domain}"]

  target {
    dns_name       = var.distribution_domain_name
    hosted_zone_id = "Z2FDTNDATAQYW2" # every CloudFront distribution's (aws_cloudfront_distribution.site.hosted_zone_id)
  }
}

output "records" {
  description = "The records written: A and AAAA for each name."
  value       = nextstack_dns_alias.site.records
}
