terraform {
  # modules/fargate-service needs 1.11 (a write-only SSM placeholder).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}
