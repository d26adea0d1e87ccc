# nextstack_ssm_parameters as a data source: read another stack's parameters, in another region,
# by name or by path. The provider's region is us-east-1 (an edge stack); the parameters were
# published in eu-west-1 by ../resource, which must be applied first.
#
# Runs on Terraform >= 1.0.

terraform {
  required_version = ">= 1.0"

  required_providers {
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}

provider "nextstack" {
  region = "us-east-1"
}

variable "environment" {
  description = "Environment name; part of every parameter name."
  type        = string
  default     = "example"
}

locals {
  data_prefix = "/nextstack/${var.environment}/data/"
}

# By name, from eu-west-1: every name must exist, or the read fails with one error that lists the
# missing names with the region and account it looked in.
data "nextstack_ssm_parameters" "origins" {
  region = "eu-west-1"
  names = [
    "${local.data_prefix}assets_bucket_name",
    "${local.data_prefix}table_name",
  ]
}

# By path, from eu-west-1: everything below the prefix (recursive by default). With
# with_decryption = false, SecureString values come back encrypted, so no plaintext secret
# is written to this stack's state.
data "nextstack_ssm_parameters" "data_stack" {
  region          = "eu-west-1"
  path            = local.data_prefix
  with_decryption = false
}

# By path, in the provider's own region (us-east-1); nested keys come back with their full name.
data "nextstack_ssm_parameters" "edge_stack" {
  path = "/nextstack/${var.environment}/edge/"
}

output "assets_bucket_name" {
  value = data.nextstack_ssm_parameters.origins.values["${local.data_prefix}assets_bucket_name"]
}

output "table_name" {
  value = data.nextstack_ssm_parameters.origins.values["${local.data_prefix}table_name"]
}

output "data_stack_values" {
  description = "String parameters under the data stack's prefix, keyed by full name."
  value       = data.nextstack_ssm_parameters.data_stack.values
}

output "data_stack_secure_names" {
  description = "Names (not values) of the SecureString parameters under the data stack's prefix."
  value       = nonsensitive(sort(keys(data.nextstack_ssm_parameters.data_stack.secure_values)))
}

output "edge_stack_values" {
  value = data.nextstack_ssm_parameters.edge_stack.values
}
