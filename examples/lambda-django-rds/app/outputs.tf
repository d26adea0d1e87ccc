output "url" {
  description = "Where the Next.js site is served."
  value       = module.site.url
}

output "api_url" {
  description = "Where the Django API answers."
  value       = module.django.service_url
}

output "vpc_id" {
  description = "The VPC."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "Subnets of the Django tasks and the Next.js server functions."
  value       = module.network.private_subnet_ids
}

output "isolated_subnet_ids" {
  description = "Subnets of the database."
  value       = module.network.isolated_subnet_ids
}

output "db_instance_identifier" {
  description = "The RDS instance."
  value       = module.db.instance_identifier
}

output "db_security_group_id" {
  description = "Security group of the database."
  value       = module.db.security_group_id
}

output "db_master_user_secret_arn" {
  description = "The master user secret RDS manages."
  value       = module.db.master_user_secret_arn
}

output "django_secret_arns" {
  description = "Where to put Django's secrets."
  value       = module.django_secrets.arns
}

output "site_secret_arns" {
  description = "Where to put the Next.js app's secrets."
  value       = module.site_secrets.arns
}

output "cluster_name" {
  description = "The ECS cluster of Django."
  value       = module.django.cluster_name
}

output "service_name" {
  description = "The Django ECS service."
  value       = module.django.service_name
}

output "task_security_group_id" {
  description = "Security group of the Django tasks (the only one the database admits)."
  value       = module.django.task_security_group_id
}

output "repository_url" {
  description = "Where CI pushes the Django image."
  value       = module.django.repository_url
}

output "migration_function_name" {
  description = "The migration function (a pipeline can invoke it too)."
  value       = module.migrations.function_name
}

output "function_names" {
  description = "The Next.js Lambda functions, by the build's function name."
  value       = module.site.function_names
}

output "server_security_group_id" {
  description = "Security group of the Next.js server functions in the VPC."
  value       = module.site.server_security_group_id
}

output "distribution_id" {
  description = "The CloudFront distribution."
  value       = module.site.distribution_id
}
