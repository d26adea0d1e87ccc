# The compute stack: ECS cluster, Auto Scaling group of ECS-optimized instances, capacity provider
# (modules/compute), in a VPC of its own (modules/vpc: public, private and isolated subnets, one NAT gateway, the
# default security group stripped) unless given one. The instances and tasks run in the private subnets, and
# so does the networking stack's internal ALB: CloudFront VPC origins need private subnets in a VPC that has an
# internet gateway.

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
}

module "vpc" {
  source = "../../../modules/vpc"
  count  = var.vpc_id == null ? 1 : 0

  name        = "nextjs"
  environment = var.environment
  cidr_block  = var.vpc_cidr_block

  flow_logs_force_destroy = true # run.sh destroys what it builds, logs included
}

data "aws_subnets" "given" {
  count = var.vpc_id == null ? 0 : 1

  filter {
    name   = "vpc-id"
    values = [var.vpc_id]
  }
}

locals {
  vpc_id = var.vpc_id == null ? module.vpc[0].vpc_id : var.vpc_id
  subnet_ids = var.subnet_ids != null ? var.subnet_ids : (
    var.vpc_id == null ? module.vpc[0].private_subnet_ids : sort(data.aws_subnets.given[0].ids)
  )
}

module "compute" {
  source = "../../../modules/compute"

  environment = var.environment
  vpc_id      = local.vpc_id
  subnet_ids  = local.subnet_ids
}
