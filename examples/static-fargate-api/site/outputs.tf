output "site_url" {
  description = "The site's address (www redirects here)."
  value       = module.site.site_url
}

output "bucket_name" {
  description = "Where CI uploads the static export (`aws s3 sync out/ s3://<bucket> --delete`)."
  value       = module.site.bucket_name
}

output "distribution_id" {
  description = "The distribution CI invalidates after a deploy."
  value       = module.site.distribution_id
}

output "distribution_domain_name" {
  description = "The distribution's cloudfront.net name."
  value       = module.site.distribution_domain_name
}

output "certificate_arn" {
  description = "The site's certificate (us-east-1)."
  value       = module.site.certificate_arn
}

output "dns_records" {
  description = "The alias records in the DNS account's zone."
  value       = module.site.dns_records
}

output "ssm_parameter_names" {
  description = "What this stack published (us-east-1)."
  value       = module.site.ssm_parameter_names
}
