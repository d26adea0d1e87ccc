# nextstack_ssm_parameters as a resource: publish a stack's outputs as SSM parameters, one
# parameter per key, under a path prefix. One provider block serves every region: the default
# region is the provider's, and a resource that lives elsewhere sets `region`.
#
# Runs on Terraform >= 1.0 (it uses no write-only attribute; see ../ephemeral-resource for that).

terraform {
  required_version = ">= 1.0"

  required_providers {
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}

provider "nextstack" {
  region = "eu-west-1"
}

variable "environment" {
  description = "Environment name; part of every parameter name."
  type        = string
  default     = "example"
}

variable "db_password" {
  description = "Published as a SecureString. Set it with TF_VAR_db_password."
  type        = string
  sensitive   = true
}

# What a data stack publishes for the other stacks, in eu-west-1 (the provider's region).
# In a real stack the values are attributes of the resources it creates, e.g.
# aws_s3_bucket.assets.bucket or aws_dynamodb_table.portfolio.name.
resource "nextstack_ssm_parameters" "data" {
  path_prefix = "/nextstack/${var.environment}/data/"

  values = {
    assets_bucket_name = "nextstack-${var.environment}-assets"
    table_name         = "nextstack-${var.environment}-portfolio"
    ecr_repository_uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nextstack-${var.environment}"
  }

  # SecureString parameters. This map is kept in state (marked sensitive); on Terraform >= 1.11,
  # secure_values_wo keeps the value out of plan and state (see ../ephemeral-resource).
  secure_values = {
    db_password = var.db_password
  }

  tags = {
    stack       = "data"
    environment = var.environment
  }
}

# The same provider block publishes in us-east-1, where an edge stack (CloudFront, WAF) lives.
# Keys may contain "/" to nest parameters below the prefix.
resource "nextstack_ssm_parameters" "edge" {
  region      = "us-east-1"
  path_prefix = "/nextstack/${var.environment}/edge/"

  values = {
    distribution_id    = "E2QWRUHEXAMPLE"
    "waf/web_acl_name" = "nextstack-${var.environment}-cloudfront"
  }

  tags = {
    stack       = "edge"
    environment = var.environment
  }
}

output "data_parameters" {
  description = "Full names of the parameters published in eu-west-1."
  value       = nextstack_ssm_parameters.data.names
}

output "edge_parameters" {
  description = "Full names of the parameters published in us-east-1."
  value       = nextstack_ssm_parameters.edge.names
}
