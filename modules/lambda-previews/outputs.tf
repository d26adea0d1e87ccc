output "function_name" {
  description = "Name of the server function (`<project>-<environment>`)."
  value       = aws_lambda_function.server.function_name
}

output "function_arn" {
  description = "ARN of the server function (unqualified)."
  value       = aws_lambda_function.server.arn
}

output "current_deployment" {
  description = "The deployment this apply made (`deployment_number`)."
  value       = local.current
}

output "current_version" {
  description = "The function's latest published version: the one alias `deployment-<deployment_number>` points at."
  value       = aws_lambda_function.server.version
}

output "deployments" {
  description = "Kept deployment number => `{ alias, alias_arn, version, url, target_group_arn }`."
  value = {
    for k, m in local.deployments : k => {
      alias            = aws_lambda_alias.deployment[k].name
      alias_arn        = aws_lambda_alias.deployment[k].arn
      version          = aws_lambda_alias.deployment[k].function_version
      url              = "https://${local.host_of[k]}"
      target_group_arn = aws_lb_target_group.deployment[k].arn
    }
  }
}

output "current_url" {
  description = "Where the newest deployment answers: `https://<project>-<environment>.<domain_name>` (or its own host without `current_host`)."
  value       = "https://${var.current_host ? local.current_host : local.host_of[tostring(local.current)]}"
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "alb_dns_name" {
  description = "DNS name of the ALB (the target of the `*.<domain_name>` alias)."
  value       = aws_lb.this.dns_name
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener (the deployments' rules; its default action answers 404)."
  value       = aws_lb_listener.https.arn
}

output "certificate_arn" {
  description = "ARN of the `*.<domain_name>` certificate."
  value       = nextstack_acm_certificate.wildcard.arn
}

output "function_security_group_id" {
  description = "Security group of the function in the VPC (`null` outside a VPC)."
  value       = one(aws_security_group.function[*].id)
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.server.name
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this module publishes."
  value       = nextstack_ssm_parameters.published.names
}
