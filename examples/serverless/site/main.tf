# Seed 004: Next.js on Lambda as OpenNext recommends it, from one module. Build the app first
# (`npx @opennextjs/aws build`, or tests/nextjs-app/build.sh for the test app) and pass its .open-next
# directory as build_dir.

provider "aws" {
  region = var.region
}

# CLOUDFRONT-scope WAFs live in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

provider "nextstack" {
  region = var.region
}

module "site" {
  source = "../../../modules/nextjs-serverless"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  environment         = var.environment
  build_dir           = var.build_dir
  zip_dir             = var.zip_dir
  server_architecture = var.server_architecture
  server_environment  = var.server_environment
  domain_name         = var.domain_name
  hosted_zone_id      = var.hosted_zone_id
  dns_role_arn        = var.dns_role_arn
  wait_for_deployment = var.wait_for_deployment
  force_destroy       = var.force_destroy

  # S3 writes the buckets' access logs itself while the site is served; the example's destroy takes them along.
  s3_access_logs_force_destroy = true
}
