# The networking stack: the ALB that admits only CloudFront and forwards only requests with the origin
# secret (modules/networking). By default an internal ALB in the compute stack's private subnets, reached by
# the edge stack's CloudFront VPC origin over HTTPS, with a certificate for the site's names issued here (in
# this region, validated in the DNS account's zone). Finds the VPC and subnets through the compute stack's SSM
# parameters.

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
}

module "ssm_names" {
  source      = "../../../modules/ssm-names"
  environment = var.environment
}

locals {
  compute = module.ssm_names.names["compute"]
  found   = data.nextstack_ssm_parameters.compute.values
  https   = var.origin_protocol == "https"
  # The site's names, as the edge stack serves them: CloudFront forwards the viewer's Host header, and checks the
  # ALB's certificate against it.
  site_names = var.domain_name == null ? [] : [var.domain_name, "www.${var.domain_name}"]
}

data "nextstack_ssm_parameters" "compute" {
  names = [local.compute["vpc_id"], local.compute["subnet_ids"]]
}

# origin_protocol = "http" only: the internet-facing ALB goes in the VPC's public subnets.
data "aws_subnets" "public" {
  count = local.https || var.subnet_ids != null ? 0 : 1

  filter {
    name   = "vpc-id"
    values = [local.found[local.compute["vpc_id"]]]
  }
  filter {
    name   = "tag:nextstack:tier"
    values = ["public"]
  }
}

# The ALB's certificate (HTTPS from CloudFront), unless one is given.
resource "nextstack_acm_certificate" "origin" {
  count = local.https && var.certificate_arn == null ? 1 : 0

  domain_name               = var.domain_name
  subject_alternative_names = local.site_names

  validation {
    hosted_zone_id = var.hosted_zone_id
    role_arn       = var.dns_role_arn
  }

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.domain_name != null && var.hosted_zone_id != null
      error_message = "With origin_protocol = \"https\" and no certificate_arn, set domain_name and hosted_zone_id (and dns_role_arn for a zone in another account): the ALB's certificate is issued for the site's names."
    }
  }
}

module "networking" {
  source = "../../../modules/networking"

  environment     = var.environment
  origin_protocol = var.origin_protocol
  certificate_arn = local.https ? coalesce(var.certificate_arn, one(nextstack_acm_certificate.origin[*].arn)) : null
  subnet_ids = var.subnet_ids != null ? var.subnet_ids : (
    local.https ? split(",", local.found[local.compute["subnet_ids"]]) : sort(data.aws_subnets.public[0].ids)
  )
  deletion_protection = var.deletion_protection

  origin_secret_versions = var.origin_secret_versions
}
