# A VPC in three tiers across Availability Zones: public subnets (internet gateway; load balancers, NAT gateway),
# private subnets (out through the NAT gateway; ECS tasks, Lambda functions) and isolated subnets (no route out of
# the VPC at all; databases). Subnet i of each tier is in zone i.

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:local.zones takes the first az_count names of the sorted list, and a zone AWS adds gets a later letter, so it cannot move a subnet; a zone-name filter would tie the module to one region
  state = "available"
}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:environment" = var.environment })
  zones       = slice(sort(data.aws_availability_zones.available.names), 0, var.az_count)

  # /20s of a /16 by default: the tiers take consecutive blocks of az_count subnets each.
  tiers = {
    public   = 0
    private  = var.az_count
    isolated = 2 * var.az_count
  }
  subnets = merge([
    for tier, offset in local.tiers : {
      for i, zone in local.zones : "${tier}-${i}" => {
        tier = tier
        zone = zone
        cidr = cidrsubnet(var.cidr_block, var.subnet_newbits, offset + i)
      }
    }
  ]...)
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true # RDS endpoints and interface VPC endpoints resolve inside the VPC
  tags                 = merge(local.tags, { Name = local.name_prefix })
}

# The VPC's default security group admits all traffic between its members: strip it so nothing relies on it.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${local.name_prefix}-default-unused" })
}

resource "aws_subnet" "this" {
  for_each = local.subnets

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.value.zone
  cidr_block              = each.value.cidr
  map_public_ip_on_launch = false # nothing gets a public address unless it asks for one
  tags                    = merge(local.tags, { Name = "${local.name_prefix}-${each.key}", "nextstack:tier" = each.value.tier })
}

# ------------------------------------------------------------------------------------------------ public

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = local.name_prefix })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${local.name_prefix}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = { for k, s in local.subnets : k => s if s.tier == "public" }

  subnet_id      = aws_subnet.this[each.key].id
  route_table_id = aws_route_table.public.id
}

# ------------------------------------------------------------------------------------------------ private

# One NAT gateway, in the first zone: the private subnets of the other zones lose their way out if that zone
# fails. Set nat_gateway = "per_az" where that matters more than the hourly cost of one gateway per zone.
locals {
  nat_zones = var.nat_gateway == "none" ? [] : var.nat_gateway == "single" ? [0] : range(var.az_count)
}

resource "aws_eip" "nat" {
  for_each = toset([for i in local.nat_zones : tostring(i)])

  domain = "vpc"
  tags   = merge(local.tags, { Name = "${local.name_prefix}-nat-${each.key}" })
}

resource "aws_nat_gateway" "this" {
  for_each = aws_eip.nat

  allocation_id = each.value.id
  subnet_id     = aws_subnet.this["public-${each.key}"].id
  tags          = merge(local.tags, { Name = "${local.name_prefix}-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "private" {
  for_each = toset([for i in range(var.az_count) : tostring(i)])

  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${local.name_prefix}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = toset(var.nat_gateway == "none" ? [] : [for i in range(var.az_count) : tostring(i)])

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.nat_gateway == "single" ? "0" : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = toset([for i in range(var.az_count) : tostring(i)])

  subnet_id      = aws_subnet.this["private-${each.key}"].id
  route_table_id = aws_route_table.private[each.key].id
}

# ------------------------------------------------------------------------------------------------ isolated

# A route table with only the VPC's local route: whatever runs here can reach the VPC and nothing beyond it.
resource "aws_route_table" "isolated" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${local.name_prefix}-isolated" })
}

resource "aws_route_table_association" "isolated" {
  for_each = { for k, s in local.subnets : k => s if s.tier == "isolated" }

  subnet_id      = aws_subnet.this[each.key].id
  route_table_id = aws_route_table.isolated.id
}
