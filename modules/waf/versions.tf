terraform {
  # 1.1: moved blocks (the callers moved their own web ACLs here); the callers need 1.4.
  required_version = ">= 1.4"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}
