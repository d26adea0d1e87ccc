terraform {
  # Above the floor the other modules share (modules/README.md): aws_ssm_parameter.secret writes its placeholder
  # with value_wo, and Terraform before 1.11 refuses any write-only attribute in the configuration, even on a
  # resource with no instances ("Write-only Attribute Not Allowed"), so secret_store = "secretsmanager" alone
  # would not make older versions work.
  required_version = ">= 1.11"

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
