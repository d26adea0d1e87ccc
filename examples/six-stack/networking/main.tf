# The networking stack: the ALB that admits only CloudFront and forwards only requests with the origin
# secret (modules/networking). Finds the VPC through the compute stack's SSM parameters.

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

data "nextstack_ssm_parameters" "compute" {
  names = [module.ssm_names.names["compute"]["vpc_id"]]
}

data "aws_subnets" "public" {
  filter {
    name   = "vpc-id"
    values = [data.nextstack_ssm_parameters.compute.values[module.ssm_names.names["compute"]["vpc_id"]]]
  }
}

module "networking" {
  source = "../../../modules/networking"

  environment         = var.environment
  public_subnet_ids   = var.public_subnet_ids == null ? sort(data.aws_subnets.public.ids) : var.public_subnet_ids
  deletion_protection = var.deletion_protection

  origin_secret_versions = var.origin_secret_versions
}
