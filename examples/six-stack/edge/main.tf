# The edge stack, in us-east-1: CloudFront, its WAF, the certificate validated in the DNS account's zone
# and the site's aliases there (modules/edge). Reads the other stacks' parameters from origin_region.

provider "aws" {
  region = "us-east-1"
}

provider "nextstack" {
  region = "us-east-1"
}

module "edge" {
  source = "../../../modules/edge"

  environment     = var.environment
  origin_region   = var.origin_region
  origin_protocol = var.origin_protocol
  domain_name     = var.domain_name
  hosted_zone_id  = var.hosted_zone_id
  dns_role_arn    = var.dns_role_arn

  access_logs_force_destroy = true # run.sh destroys what it builds, logs included
}
