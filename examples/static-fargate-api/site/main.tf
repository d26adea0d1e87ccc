# The site stack, in us-east-1: the static export's bucket behind CloudFront, the www-to-apex CloudFront Function,
# the CloudFront WAF, the certificate validated in the DNS account's zone and the apex and www aliases there
# (modules/static-site). Publishes the bucket, the distribution and the site's URL for CI and the api stack.

provider "aws" {
  region = "us-east-1"
}

provider "nextstack" {
  region = "us-east-1"
}

module "site" {
  source = "../../../modules/static-site"

  environment    = var.environment
  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id
  dns_role_arn   = var.dns_role_arn
  force_destroy  = var.force_destroy

  s3_access_logs_force_destroy = var.force_destroy # the bucket's access logs go with it
}
