# The six stacks as ONE root module (one state), for bench/six-stack/run.py only: the same module calls and the same
# arguments as examples/six-stack/*, so that a plan of this root refreshes exactly the resources the six stacks
# hold. The benchmark moves the six states into this one (terraform state mv) and compares the plans.
# Placed at the same depth as the examples so that path.module-relative paths (Lambda zips) are identical.

terraform {
  required_version = ">= 1.4"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "edge"
  region = "us-east-1"
}

provider "nextstack" {
  region = "eu-west-1"
}

provider "nextstack" {
  alias  = "edge"
  region = "us-east-1"
}

variable "environment" {
  description = "Environment name."
  type        = string
  default     = "dev"
}

variable "domain_name" {
  description = "The site's apex domain."
  type        = string
}

variable "hosted_zone_id" {
  description = "The domain's zone, in the DNS account."
  type        = string
}

variable "dns_role_arn" {
  description = "Role in the DNS account."
  type        = string
}

data "aws_vpc" "selected" {
  default = true
}

data "aws_subnets" "selected" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.selected.id]
  }
}

module "data" {
  source                = "../../../modules/data"
  environment           = var.environment
  protect_from_deletion = false
}

module "compute" {
  source      = "../../../modules/compute"
  environment = var.environment
  vpc_id      = data.aws_vpc.selected.id
  subnet_ids  = sort(data.aws_subnets.selected.ids)
}

module "networking" {
  source              = "../../../modules/networking"
  environment         = var.environment
  public_subnet_ids   = sort(data.aws_subnets.selected.ids)
  deletion_protection = false
}

module "application" {
  source      = "../../../modules/application"
  environment = var.environment
}

module "api" {
  source      = "../../../modules/api"
  environment = var.environment

  functions = {
    articles = {
      filename = "${path.module}/functions/articles.zip"
      path     = "articles"
    }
    contact = {
      filename             = "${path.module}/functions/contact.zip"
      path                 = "contact"
      methods              = ["POST"]
      table_access         = "write"
      reserved_concurrency = 2
    }
    portfolio = {
      filename = "${path.module}/functions/portfolio.zip"
      path     = "portfolio"
    }
  }
}

module "edge" {
  source = "../../../modules/edge"
  providers = {
    aws       = aws.edge
    nextstack = nextstack.edge
  }

  environment    = var.environment
  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id
  dns_role_arn   = var.dns_role_arn
}
