# The api stack: the FastAPI container on ECS Fargate behind its own ALB at api.<domain> (modules/fargate-service),
# HTTPS with a certificate validated in the DNS account's zone, the OpenAI key from Secrets Manager or SSM.
# Runs in the region's default VPC unless given one. Reads the site's URL (for CORS) from what the site stack
# published in us-east-1.

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
  site_url = module.ssm_names.names["static-site"]["site_url"]
}

data "nextstack_ssm_parameters" "site" {
  region = var.site_region
  names  = [local.site_url]
}

data "aws_vpc" "selected" {
  id      = var.vpc_id
  default = var.vpc_id == null
}

data "aws_subnets" "selected" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.selected.id]
  }
}

module "api" {
  source = "../../../modules/fargate-service"

  environment    = var.environment
  domain_name    = "${var.api_subdomain}.${var.domain_name}"
  hosted_zone_id = var.hosted_zone_id
  dns_role_arn   = var.dns_role_arn

  vpc_id            = data.aws_vpc.selected.id
  public_subnet_ids = var.subnet_ids == null ? sort(data.aws_subnets.selected.ids) : var.subnet_ids
  task_subnet_ids   = var.subnet_ids == null ? sort(data.aws_subnets.selected.ids) : var.subnet_ids
  # A default VPC has public subnets and no NAT gateway: the tasks need a public address to pull the image and
  # call the OpenAI API. Their security group still admits only the ALB.
  assign_public_ip = var.vpc_id == null

  image_tag      = var.image_tag
  container_port = 8000
  environment_variables = {
    CORS_ALLOW_ORIGINS = data.nextstack_ssm_parameters.site.values[local.site_url]
  }
  secrets      = ["OPENAI_API_KEY"]
  secret_store = var.secret_store

  deletion_protection         = var.deletion_protection
  secret_recovery_window_days = var.deletion_protection ? 30 : 0
}
