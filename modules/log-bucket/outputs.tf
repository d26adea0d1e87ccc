output "bucket" {
  description = "Name of the log bucket."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.this.arn
}

output "policy_id" {
  description = "ID of the bucket policy (depend on it before turning delivery on: services check they may write when logging is enabled)."
  value       = aws_s3_bucket_policy.this.id
}
