# nextstack_acm_certificate: a certificate for CloudFront (us-east-1) in the account Terraform runs in, whose
# DNS validation records go into the domain's hosted zone in another account (the "DNS account"), reached
# through a role there. One resource instead of a certificate, a second provider alias and a for_each of
# records plus a validation resource.
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
  region = "eu-west-1" # the workload's region; the certificate sets its own
}

variable "domain" {
  description = "The site's domain; the certificate covers it, *.domain and www.domain."
  type        = string
  default     = "example.com"
}

variable "hosted_zone_id" {
  description = "The domain's public hosted zone, in the DNS account."
  type        = string
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write validation CNAMEs into the zone (see README.md). Null: the zone is in this account."
  type        = string
  default     = null
}

variable "dns_external_id" {
  description = "External ID the DNS role's trust policy requires, if any."
  type        = string
  default     = null
  sensitive   = true
}

resource "nextstack_acm_certificate" "site" {
  domain_name               = var.domain
  subject_alternative_names = ["*.${var.domain}", "www.${var.domain}"]
  region                    = "us-east-1" # CloudFront only uses certificates from us-east-1

  validation {
    hosted_zone_id = var.hosted_zone_id
    role_arn       = var.dns_role_arn
    external_id    = var.dns_external_id
  }

  tags = {
    stack = "edge"
  }

  # Once CloudFront uses the certificate, a replacement (a name added or removed) must exist before the old
  # certificate can be deleted.
  lifecycle {
    create_before_destroy = true
  }
}

output "certificate_arn" {
  description = "ISSUED by the time this is known: give it to aws_cloudfront_distribution.viewer_certificate."
  value       = nextstack_acm_certificate.site.arn
}

output "status" {
  value = nextstack_acm_certificate.site.status
}

output "validation_records" {
  description = "The CNAMEs written into the DNS account's zone; *.domain and domain share one."
  value       = nextstack_acm_certificate.site.validation_records
}
