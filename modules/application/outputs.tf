output "service_name" {
  description = "Name of the ECS service."
  value       = local.service.name
}

output "task_definition_arn" {
  description = "ARN of the task definition revision the service runs."
  value       = aws_ecs_task_definition.app.arn
}

output "task_security_group_id" {
  description = "Security group of the tasks (admits the container port from the ALB only)."
  value       = aws_security_group.task.id
}

output "auto_deploy_function_name" {
  description = "Name of the auto-deploy Lambda function (`null` when auto_deploy is off)."
  value       = var.auto_deploy ? aws_lambda_function.deploy[0].function_name : null
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this stack publishes."
  value       = nextstack_ssm_parameters.published.names
}

output "static_build_id" {
  description = "Build id of the standalone Next.js build whose static files are live in the assets bucket (null when `static_build_dir` is not set)."
  value       = one(nextstack_nextjs_site.static[*].build_id)
}
