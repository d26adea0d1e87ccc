# The application stack: task definition, ECS service with circuit breaker, auto-deploy on ECR pushes
# (modules/application).

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
}

module "application" {
  source = "../../../modules/application"

  environment = var.environment
  image_tag   = var.image_tag

  static_build_dir = var.static_build_dir
}
