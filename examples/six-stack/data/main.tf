# The data stack: ECR repository, DynamoDB table, S3 assets bucket (modules/data).

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
}

module "data" {
  source = "../../../modules/data"

  environment           = var.environment
  protect_from_deletion = var.protect_from_deletion
}
