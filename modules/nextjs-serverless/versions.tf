terraform {
  # 1.4: as the other modules (optional() object attributes, startswith(), terraform_data).
  required_version = ">= 1.4"

  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = ">= 5.100"
      configuration_aliases = [aws.us_east_1]
    }
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}
