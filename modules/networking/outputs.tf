output "alb_dns_name" {
  description = "DNS name of the ALB (CloudFront's origin; internal with `origin_protocol = \"https\"`)."
  value       = aws_lb.this.dns_name
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "target_group_arn" {
  description = "ARN of the target group the application stack's service registers with."
  value       = aws_lb_target_group.app.arn
}

output "alb_security_group_id" {
  description = "Security group of the ALB (the tasks admit only it)."
  value       = aws_security_group.alb.id
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this stack publishes (the origin secret as a SecureString)."
  value       = nextstack_ssm_parameters.published.names
}

output "origin_protocol" {
  description = "How CloudFront reaches the ALB (`https`: VPC origin to the internal ALB; `http`: internet-facing, plain HTTP)."
  value       = var.origin_protocol
}

output "access_logs_bucket" {
  description = "Bucket of the ALB's access logs (under `alb/`); `null` when they are off."
  value       = var.access_logs_enabled ? local.log_bucket : null
}
