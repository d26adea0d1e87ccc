output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "The zones of the subnets, in subnet order."
  value       = local.zones
}

output "public_subnet_ids" {
  description = "Public subnets (route to the internet gateway), one per zone: load balancers."
  value       = [for i in range(var.az_count) : aws_subnet.this["public-${i}"].id]
}

output "private_subnet_ids" {
  description = "Private subnets (out through the NAT gateway), one per zone: ECS tasks, Lambda functions."
  value       = [for i in range(var.az_count) : aws_subnet.this["private-${i}"].id]
}

output "isolated_subnet_ids" {
  description = "Isolated subnets (no route out of the VPC), one per zone: databases."
  value       = [for i in range(var.az_count) : aws_subnet.this["isolated-${i}"].id]
}

output "isolated_route_table_id" {
  description = "Route table of the isolated subnets (only the VPC's local route)."
  value       = aws_route_table.isolated.id
}

output "nat_gateway_ids" {
  description = "The NAT gateways (none when nat_gateway is `none`)."
  value       = [for k in sort(keys(aws_nat_gateway.this)) : aws_nat_gateway.this[k].id]
}

output "flow_logs_bucket_arn" {
  description = "Bucket of the VPC flow logs; `null` when they are off."
  value       = var.flow_logs_enabled ? local.flow_log_bucket_arn : null
}
