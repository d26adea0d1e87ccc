# Seed 001: every deployment of the Next.js server is a published Lambda version with an alias deployment-<n>,
# reachable at <project>-<environment>-<n>.<domain> behind one ALB with a wildcard certificate, the last
# keep_deployments kept (modules/lambda-previews). A small VPC of its own: the ALB in two public subnets, the
# function in two private ones. Build the app first (OpenNext, with the ALB converter from the module's README)
# and pass its .open-next directory as build_dir; CI passes its run number as deployment_number.

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:local.zones takes the first two names of the sorted list, and a zone AWS adds gets a later letter, so it cannot move a subnet; a zone-name filter would tie the example to one region
  state = "available"
}

locals {
  name  = "${var.project}-${var.environment}"
  zones = slice(sort(data.aws_availability_zones.available.names), 0, 2)
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = local.name }
}

# The VPC's default security group, which admits its own members and lets everything out, stripped of every
# rule: nothing here uses it, and anything that falls back to it by mistake gets no network.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${local.name}-default (unused, no rules)" }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = local.name }
}

resource "aws_subnet" "public" {
  count = 2

  vpc_id            = aws_vpc.this.id
  availability_zone = local.zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)
  tags              = { Name = "${local.name}-public-${local.zones[count.index]}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${local.name}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = 2

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# Private subnets for the function: no route to the internet. Add a NAT gateway (or VPC endpoints) when the app
# calls APIs outside the VPC.
resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.this.id
  availability_zone = local.zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index + 8)
  tags              = { Name = "${local.name}-private-${local.zones[count.index]}" }
}

module "previews" {
  source = "../../../modules/lambda-previews"

  environment       = var.environment
  project           = var.project
  deployment_number = var.deployment_number
  keep_deployments  = var.keep_deployments
  build_dir         = var.build_dir
  zip_dir           = var.zip_dir

  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id
  dns_role_arn   = var.dns_role_arn

  vpc_id              = aws_internet_gateway.this.vpc_id # an internet-facing ALB needs the gateway attached first
  public_subnet_ids   = aws_subnet.public[*].id
  function_subnet_ids = aws_subnet.private[*].id
  allowed_cidr_blocks = var.allowed_cidr_blocks
  allow_public_access = var.allow_public_access

  cognito_authentication = var.cognito_authentication

  environment_variables = var.environment_variables
  deletion_protection   = var.deletion_protection
}
