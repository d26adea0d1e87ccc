output "ecr_repository_url" {
  description = "URL of the ECR repository CI pushes the Next.js image to."
  value       = aws_ecr_repository.app.repository_url
}

output "ecr_repository_name" {
  description = "Name of the ECR repository."
  value       = aws_ecr_repository.app.name
}

output "dynamodb_table_name" {
  description = "Name of the DynamoDB table."
  value       = aws_dynamodb_table.app.name
}

output "dynamodb_table_arn" {
  description = "ARN of the DynamoDB table."
  value       = aws_dynamodb_table.app.arn
}

output "assets_bucket_name" {
  description = "Name of the S3 assets bucket."
  value       = aws_s3_bucket.assets.id
}

output "assets_bucket_arn" {
  description = "ARN of the S3 assets bucket."
  value       = aws_s3_bucket.assets.arn
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this stack publishes."
  value       = nextstack_ssm_parameters.published.names
}

output "s3_access_logs_bucket" {
  description = "Bucket receiving the S3 server access logs of the module's buckets (under `s3_access_logs_prefix`), or `null` when they are off."
  value       = var.s3_access_logs_enabled ? local.s3_access_logs_target : null
}
