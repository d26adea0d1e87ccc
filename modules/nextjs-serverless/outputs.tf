output "distribution_id" {
  description = "Id of the CloudFront distribution."
  value       = aws_cloudfront_distribution.site.id
}

output "distribution_domain_name" {
  description = "The distribution's `*.cloudfront.net` name."
  value       = aws_cloudfront_distribution.site.domain_name
}

output "url" {
  description = "Where the site is served: `https://<domain_name>`, or the distribution's own name without a domain."
  value       = "https://${var.domain_name == null ? aws_cloudfront_distribution.site.domain_name : var.domain_name}"
}

output "assets_bucket_name" {
  description = "Bucket of the static assets (under `assets_prefix`)."
  value       = aws_s3_bucket.assets.bucket
}

output "cache_bucket_name" {
  description = "Bucket of the ISR and fetch caches (private)."
  value       = aws_s3_bucket.cache.bucket
}

output "revalidation_table_name" {
  description = "DynamoDB tag cache table."
  value       = aws_dynamodb_table.revalidation.name
}

output "revalidation_queue_url" {
  description = "URL of the SQS FIFO revalidation queue."
  value       = aws_sqs_queue.revalidation.url
}

output "function_names" {
  description = "Lambda function names by the build's function name (`default`, `imageOptimizer`, split functions, `revalidation`, `warmer`)."
  value       = { for k, f in aws_lambda_function.function : k => f.function_name }
}

output "function_urls" {
  description = "Function URLs CloudFront sends requests to (AWS_IAM: they answer only CloudFront's signed requests)."
  value       = { for k, u in aws_lambda_function_url.origin : k => u.function_url }
}

output "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAF."
  value       = module.waf.arn
}

output "certificate_arn" {
  description = "ARN of the certificate (null without a domain)."
  value       = one(nextstack_acm_certificate.site[*].arn)
}

output "build_id" {
  description = "The published build's id."
  value       = nextstack_nextjs_site.this.build_id
}

output "builds" {
  description = "Build ids whose assets are kept, the published one first."
  value       = nextstack_nextjs_site.this.builds
}

output "server_security_group_id" {
  description = "Security group of the server functions in the VPC (egress only; null without vpc_config): a database can admit it."
  value       = one(aws_security_group.server[*].id)
}

output "server_role_names" {
  description = "IAM role names of the server functions, by the build's function name (attach the app's own grants here)."
  value       = { for k, f in local.functions : k => aws_iam_role.function[k].name if f.kind == "server" }
}

output "s3_access_logs_bucket" {
  description = "Bucket receiving the S3 server access logs of the module's buckets (under `s3_access_logs_prefix`), or `null` when they are off."
  value       = var.s3_access_logs_enabled ? local.s3_access_logs_target : null
}
