output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "capacity_provider_name" {
  description = "Name of the capacity provider (the application stack's service uses it)."
  value       = aws_ecs_capacity_provider.this.name
}

output "autoscaling_group_name" {
  description = "Name of the container instances' Auto Scaling group."
  value       = aws_autoscaling_group.instance.name
}

output "ami_id" {
  description = "The ECS-optimized AMI the launch template uses."
  value       = aws_launch_template.instance.image_id
  sensitive   = true
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this stack publishes."
  value       = nextstack_ssm_parameters.published.names
}
