output "cluster_name" {
  description = "The ECS cluster."
  value       = module.compute.cluster_name
}

output "capacity_provider_name" {
  description = "The capacity provider the application's service uses."
  value       = module.compute.capacity_provider_name
}

output "ssm_parameter_names" {
  description = "What this stack published for the others."
  value       = module.compute.ssm_parameter_names
}

output "vpc_id" {
  description = "The VPC of the instances, the tasks and the ALB."
  value       = local.vpc_id
}
