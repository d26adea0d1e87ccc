terraform {
  # 1.4: terraform_data (the origin secret); 1.3: optional() object attributes and startswith().
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
