output "bucket_name" {
  description = "Name of the site's bucket (CI uploads the static export here, e.g. `aws s3 sync out/ s3://<bucket> --delete`)."
  value       = aws_s3_bucket.site.id
}

output "bucket_arn" {
  description = "ARN of the site's bucket."
  value       = aws_s3_bucket.site.arn
}

output "distribution_id" {
  description = "Id of the CloudFront distribution (for invalidations after a deploy)."
  value       = aws_cloudfront_distribution.site.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.site.arn
}

output "distribution_domain_name" {
  description = "The distribution's `*.cloudfront.net` name."
  value       = aws_cloudfront_distribution.site.domain_name
}

output "function_arn" {
  description = "ARN of the viewer-request CloudFront Function (www-to-apex redirect, directory index)."
  value       = aws_cloudfront_function.viewer_request.arn
}

output "certificate_arn" {
  description = "ARN of the site's certificate (us-east-1)."
  value       = nextstack_acm_certificate.site.arn
}

output "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAF web ACL."
  value       = module.waf.arn
}

output "site_url" {
  description = "The site's address (the apex; www redirects to it)."
  value       = "https://${var.domain_name}"
}

output "dns_records" {
  description = "The alias records written in the DNS account's zone."
  value       = nextstack_dns_alias.site.records
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this module publishes (in its region, us-east-1)."
  value       = nextstack_ssm_parameters.published.names
}

output "s3_access_logs_bucket" {
  description = "Bucket receiving the S3 server access logs of the module's buckets (under `s3_access_logs_prefix`), or `null` when they are off."
  value       = var.s3_access_logs_enabled ? local.s3_access_logs_target : null
}
