# nextstack_ssm_parameters as an ephemeral resource: read a SecureString in one region (or
# account) and copy it to another through the write-only secure_values_wo, so the secret is never
# written to a plan or a state file. The source here is the db_password published in eu-west-1 by
# ../resource, which must be applied first; the copy is made in us-east-1.
#
# Needs Terraform >= 1.11 (ephemeral resources: 1.10; write-only attributes: 1.11).

terraform {
  required_version = ">= 1.11"

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

variable "source_region" {
  description = "Region of the secret to copy."
  type        = string
  default     = "eu-west-1"
}

variable "source_role_arn" {
  description = "Role to assume to read the secret in another account; null reads with the provider's credentials."
  type        = string
  default     = null
}

variable "secret_version" {
  description = "Increase to copy the secret again (Terraform cannot see changes of write-only values)."
  type        = number
  default     = 1
}

locals {
  source_name = "/nextstack/${var.environment}/data/db_password"
}

# Opened on every plan and apply; its values exist only while Terraform runs.
ephemeral "nextstack_ssm_parameters" "source" {
  region   = var.source_region
  role_arn = var.source_role_arn
  names    = [local.source_name]
}

resource "nextstack_ssm_parameters" "replica" {
  path_prefix = "/nextstack/${var.environment}/replica/"

  # Plain values are stored as usual: here, where the copy came from.
  values = {
    copied_from = "${var.source_region}:${local.source_name}"
  }

  # Write-only: sent to SSM on create, for new keys, and when secure_values_wo_version changes.
  secure_values_wo = {
    db_password = ephemeral.nextstack_ssm_parameters.source.secure_values[local.source_name]
  }
  secure_values_wo_version = var.secret_version
}

output "replica_parameters" {
  value = nextstack_ssm_parameters.replica.names
}
