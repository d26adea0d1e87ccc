terraform {
  # terraform_data and lifecycle preconditions in the sibling modules set the floor for the whole set.
  required_version = ">= 1.4"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}
