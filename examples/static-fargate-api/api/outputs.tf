output "service_url" {
  description = "The API's address."
  value       = module.api.service_url
}

output "alb_dns_name" {
  description = "The ALB the API's name is aliased to."
  value       = module.api.alb_dns_name
}

output "repository_url" {
  description = "Where CI pushes the FastAPI image."
  value       = module.api.repository_url
}

output "cluster_name" {
  description = "The ECS cluster."
  value       = module.api.cluster_name
}

output "service_name" {
  description = "The ECS service CI redeploys (`aws ecs update-service --force-new-deployment`)."
  value       = module.api.service_name
}

output "secret_arns" {
  description = "Where to put the OpenAI key (Secrets Manager secret or SSM SecureString parameter)."
  value       = module.api.secret_arns
}

output "ssm_parameter_names" {
  description = "What this stack published."
  value       = module.api.ssm_parameter_names
}
