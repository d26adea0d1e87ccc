terraform {
  # The floor every module shares (modules/README.md); startswith() needs 1.3.
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
