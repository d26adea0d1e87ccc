output "service_url" {
  description = "The service's address (`https://<domain_name>`)."
  value       = "https://${var.domain_name}"
}

output "alb_dns_name" {
  description = "DNS name of the ALB (the alias target of `domain_name`)."
  value       = aws_lb.this.dns_name
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "task_security_group_id" {
  description = "Security group of the tasks (admits the container port from the ALB's security group only)."
  value       = aws_security_group.task.id
}

output "target_group_arn" {
  description = "ARN of the target group the service registers its tasks with."
  value       = aws_lb_target_group.this.arn
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "Name of the ECS service (CI: `aws ecs update-service --cluster <cluster> --service <service> --force-new-deployment`)."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN of the task definition revision the service runs."
  value       = aws_ecs_task_definition.this.arn
}

output "repository_url" {
  description = "URL of the ECR repository CI pushes the image to."
  value       = aws_ecr_repository.this.repository_url
}

output "secret_arns" {
  description = "Environment variable name => ARN of the secret (Secrets Manager) or SecureString parameter (SSM) it is read from. Set their values outside Terraform."
  value       = local.secret_arns
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "task_definition_family" {
  description = "Family of the task definition (one-off tasks such as migrations run its latest revision)."
  value       = aws_ecs_task_definition.this.family
}

output "container_name" {
  description = "Name of the container in the task definition."
  value       = var.container_name
}

output "execution_role_arn" {
  description = "ARN of the task execution role (whoever runs a task of this definition must be allowed to pass it)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the task role (whoever runs a task of this definition must be allowed to pass it)."
  value       = aws_iam_role.task.arn
}

output "execution_role_name" {
  description = "Name of the task execution role (pulls the image, writes logs, reads the secrets)."
  value       = aws_iam_role.execution.name
}

output "task_role_name" {
  description = "Name of the task role (the application's own AWS permissions; none by default)."
  value       = aws_iam_role.task.name
}

output "log_group_name" {
  description = "CloudWatch log group of the container."
  value       = aws_cloudwatch_log_group.this.name
}

output "certificate_arn" {
  description = "ARN of the HTTPS listener's certificate (in the ALB's region)."
  value       = nextstack_acm_certificate.this.arn
}

output "web_acl_arn" {
  description = "ARN of the ALB's REGIONAL WAF web ACL (`null` when web_acl_enabled is false)."
  value       = var.web_acl_enabled ? module.waf[0].arn : null
}

output "dns_records" {
  description = "The alias records written in the DNS account's zone."
  value       = nextstack_dns_alias.this.records
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this module publishes."
  value       = nextstack_ssm_parameters.published.names
}
