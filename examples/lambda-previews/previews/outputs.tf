output "function_name" {
  description = "The server function."
  value       = module.previews.function_name
}

output "current_version" {
  description = "The version this deployment published."
  value       = module.previews.current_version
}

output "deployments" {
  description = "Kept deployment number => alias, version, URL, target group."
  value       = module.previews.deployments
}

output "current_url" {
  description = "Where the newest deployment answers."
  value       = module.previews.current_url
}

output "alb_dns_name" {
  description = "The ALB *.<domain_name> is aliased to."
  value       = module.previews.alb_dns_name
}

output "certificate_arn" {
  description = "The wildcard certificate."
  value       = module.previews.certificate_arn
}

output "vpc_id" {
  description = "The example's VPC."
  value       = aws_vpc.this.id
}

output "ssm_parameter_names" {
  description = "What this stack published."
  value       = module.previews.ssm_parameter_names
}
