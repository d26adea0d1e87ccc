output "invoke_url" {
  description = "The API's stage URL (also protected by the regional WAF)."
  value       = module.api.invoke_url
}

output "function_names" {
  description = "The Lambda functions."
  value       = module.api.function_names
}

output "ssm_parameter_names" {
  description = "What this stack published for the others."
  value       = module.api.ssm_parameter_names
}
