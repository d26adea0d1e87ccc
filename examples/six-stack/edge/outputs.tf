output "site_urls" {
  description = "The site's addresses."
  value       = module.edge.site_urls
}

output "distribution_domain_name" {
  description = "The distribution's cloudfront.net name."
  value       = module.edge.distribution_domain_name
}

output "certificate_arn" {
  description = "The site's certificate."
  value       = module.edge.certificate_arn
}

output "dns_records" {
  description = "The alias records in the DNS account's zone."
  value       = module.edge.dns_records
}
