output "distribution_id" {
  description = "Id of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.site.id
}

output "distribution_domain_name" {
  description = "The distribution's `*.cloudfront.net` name."
  value       = aws_cloudfront_distribution.site.domain_name
}

output "certificate_arn" {
  description = "ARN of the site's certificate (us-east-1)."
  value       = nextstack_acm_certificate.site.arn
}

output "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAF web ACL."
  value       = module.waf.arn
}

output "site_urls" {
  description = "The site's addresses."
  value       = [for n in local.names : "https://${n}/"]
}

output "dns_records" {
  description = "The alias records written in the DNS account's zone."
  value       = nextstack_dns_alias.site.records
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this stack publishes (us-east-1)."
  value       = nextstack_ssm_parameters.published.names
}

output "vpc_origin_id" {
  description = "Id of the CloudFront VPC origin of the internal ALB (`null` with `origin_protocol = \"http\"`)."
  value       = one(aws_cloudfront_vpc_origin.app[*].id)
}

output "access_logs_destination_arn" {
  description = "Where the distribution's access logs go (standard logging v2); `null` when they are off."
  value       = var.access_logs_enabled ? local.log_destination : null
}
