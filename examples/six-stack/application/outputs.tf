output "service_name" {
  description = "The ECS service."
  value       = module.application.service_name
}

output "task_definition_arn" {
  description = "The task definition revision the service runs."
  value       = module.application.task_definition_arn
}

output "ssm_parameter_names" {
  description = "What this stack published for the others."
  value       = module.application.ssm_parameter_names
}

output "static_build_id" {
  description = "Build id of the static files live in the data stack's bucket (null when none are published)."
  value       = module.application.static_build_id
}
