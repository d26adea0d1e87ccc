# Data stack (changes monthly): ECR repository, DynamoDB table, S3 assets bucket.
#
# It publishes the names other stacks need as SSM parameters in its own region, eu-west-1, under
# /nextstack/<environment>/data/. No other stack reads this stack's state or outputs.
#
# In a real stack the values are attributes of the resources the stack creates (aws_s3_bucket,
# aws_dynamodb_table, aws_ecr_repository from hashicorp/aws); the quickstart uses only the nextstack
# provider, so it publishes the names those resources would have.

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
  description = "Environment name; part of every resource and parameter name."
  type        = string
  default     = "quickstart"
}

locals {
  name = "nextstack-${var.environment}"
}

resource "nextstack_ssm_parameters" "published" {
  path_prefix = "/nextstack/${var.environment}/data/"

  values = {
    assets_bucket_name = "${local.name}-assets"                                       # aws_s3_bucket.assets.bucket
    table_name         = "${local.name}-portfolio"                                    # aws_dynamodb_table.portfolio.name
    ecr_repository_uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/${local.name}" # aws_ecr_repository.app.repository_url
  }

  tags = {
    stack       = "data"
    environment = var.environment
  }
}

output "published" {
  description = "SSM parameters this stack publishes (eu-west-1)."
  value       = nextstack_ssm_parameters.published.names
}
