output "alb_dns_name" {
  description = "The ALB (internal with origin_protocol https: reachable through the CloudFront VPC origin only)."
  value       = module.networking.alb_dns_name
}

output "ssm_parameter_names" {
  description = "What this stack published for the others."
  value       = module.networking.ssm_parameter_names
}
