# The compute stack: ECS cluster, Auto Scaling group of ECS-optimized instances, capacity provider
# (modules/compute). Runs in the default VPC unless given one.

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
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

module "compute" {
  source = "../../../modules/compute"

  environment = var.environment
  vpc_id      = data.aws_vpc.selected.id
  subnet_ids  = var.subnet_ids == null ? sort(data.aws_subnets.selected.ids) : var.subnet_ids
}
