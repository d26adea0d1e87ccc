output "ecr_repository_url" {
  description = "Where CI pushes the Next.js image."
  value       = module.data.ecr_repository_url
}

output "assets_bucket_name" {
  description = "The S3 assets bucket."
  value       = module.data.assets_bucket_name
}

output "dynamodb_table_name" {
  description = "The DynamoDB table."
  value       = module.data.dynamodb_table_name
}

output "ssm_parameter_names" {
  description = "What this stack published for the others."
  value       = module.data.ssm_parameter_names
}
