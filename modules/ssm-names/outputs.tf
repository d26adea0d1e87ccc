output "prefix" {
  description = "The environment's prefix, e.g. `/nextstack/dev` (no final slash)."
  value       = local.prefix
}

output "stack_prefixes" {
  description = "Stack name => the `path_prefix` its `nextstack_ssm_parameters` resource publishes under, e.g. `/nextstack/dev/data/`."
  value       = { for stack, _ in local.catalog : stack => "${local.prefix}/${stack}/" }
}

output "names" {
  description = "Stack name => key => full parameter name, e.g. `names.networking.alb_dns_name` = `/nextstack/dev/networking/alb_dns_name`."
  value = {
    for stack, keys in local.catalog : stack => { for key in keys : key => "${local.prefix}/${stack}/${key}" }
  }
}

output "keys" {
  description = "Stack name => the keys it must publish (the contract between the stacks)."
  value       = local.catalog
}

output "secure_keys" {
  description = "Keys published as `SecureString` parameters."
  value       = local.secure
}
