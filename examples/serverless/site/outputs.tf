output "url" {
  description = "Where the site is served."
  value       = module.site.url
}

output "build_id" {
  description = "The published build."
  value       = module.site.build_id
}

output "builds" {
  description = "Builds whose assets are kept, the published one first."
  value       = module.site.builds
}

output "function_names" {
  description = "The Lambda functions, by the build's function name."
  value       = module.site.function_names
}

output "distribution_id" {
  description = "The CloudFront distribution."
  value       = module.site.distribution_id
}
