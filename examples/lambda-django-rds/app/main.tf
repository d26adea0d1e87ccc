# Seed 002 in one stack: Next.js on Lambda (OpenNext, modules/nextjs-serverless) with its server functions in the
# VPC's private subnets, Django on ECS Fargate behind its own ALB (modules/fargate-service), PostgreSQL on RDS in
# isolated subnets admitting only the Django tasks (modules/postgres), secrets in Secrets Manager
# (modules/app-secrets and the master user secret RDS manages) and a migration run on every deploy
# (modules/ecs-migration). Why one stack and not several: see ../README.md.

provider "aws" {
  region = var.region
}

# CLOUDFRONT-scope WAFs live in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

provider "nextstack" {
  region = var.region
}

module "network" {
  source = "../../../modules/vpc"

  environment = var.environment
  name        = var.name
  nat_gateway = var.nat_gateway

  flow_logs_force_destroy = !var.deletion_protection # a throw-away environment's flow logs go with it
}

# ------------------------------------------------------------------------------------------------ data

module "db" {
  source = "../../../modules/postgres"

  environment = var.environment
  name        = "${var.name}-db"
  vpc_id      = module.network.vpc_id
  subnet_ids  = module.network.isolated_subnet_ids

  allowed_security_group_ids = merge({ django = module.django.task_security_group_id }, var.extra_db_ingress)

  instance_class      = var.db_instance_class
  deletion_protection = var.deletion_protection
  skip_final_snapshot = !var.deletion_protection
}

module "django_secrets" {
  source = "../../../modules/app-secrets"

  environment          = var.environment
  prefix               = "${var.name}-django"
  names                = var.django_secrets
  recovery_window_days = var.deletion_protection ? 30 : 0
}

module "site_secrets" {
  source = "../../../modules/app-secrets"

  environment          = var.environment
  prefix               = "${var.name}-site"
  names                = var.site_secrets
  recovery_window_days = var.deletion_protection ? 30 : 0
}

# ------------------------------------------------------------------------------------------------ Django

module "django" {
  source = "../../../modules/fargate-service"

  environment    = var.environment
  name           = "${var.name}-django"
  ssm_stack      = "django"
  domain_name    = "${var.api_subdomain}.${var.domain_name}"
  hosted_zone_id = var.hosted_zone_id
  dns_role_arn   = var.dns_role_arn

  vpc_id            = module.network.vpc_id
  public_subnet_ids = module.network.public_subnet_ids
  task_subnet_ids   = module.network.private_subnet_ids

  image_tag         = var.image_tag
  container_name    = "django"
  container_port    = 8000
  health_check_path = "/health/"
  command           = ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]

  # The connection without the password in plain variables; the credentials (and the app's own secrets) as
  # container secrets: ECS reads them when a task starts, so they are environment variables in the container and
  # nowhere in the task definition or the state.
  environment_variables = {
    DB_HOST              = module.db.address
    DB_PORT              = tostring(module.db.port)
    DB_NAME              = module.db.db_name
    DB_SSLMODE           = "require"
    DJANGO_ALLOWED_HOSTS = "${var.api_subdomain}.${var.domain_name}"
  }
  container_secrets = merge(
    {
      DB_USER     = "${module.db.master_user_secret_arn}:username::"
      DB_PASSWORD = "${module.db.master_user_secret_arn}:password::"
    },
    module.django_secrets.arns,
  )

  deletion_protection         = var.deletion_protection
  secret_recovery_window_days = var.deletion_protection ? 30 : 0
}

module "migrations" {
  source = "../../../modules/ecs-migration"

  environment         = var.environment
  name                = "${var.name}-django"
  cluster_arn         = module.django.cluster_arn
  task_definition_arn = module.django.task_definition_arn
  container_name      = module.django.container_name
  subnet_ids          = module.network.private_subnet_ids
  security_group_ids  = [module.django.task_security_group_id]
  pass_role_arns      = [module.django.execution_role_arn, module.django.task_role_arn]
  run_on_deploy       = var.run_migrations
  # The task definition names the database's address (DB_HOST), so the first run waits for the database.
}

# ------------------------------------------------------------------------------------------------ Next.js

module "site" {
  source = "../../../modules/nextjs-serverless"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  environment    = var.environment
  name           = "${var.name}-site"
  build_dir      = var.build_dir
  zip_dir        = var.zip_dir
  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id
  dns_role_arn   = var.dns_role_arn

  vpc_config = {
    vpc_id     = module.network.vpc_id
    subnet_ids = module.network.private_subnet_ids
  }
  secrets            = merge(module.site_secrets.arns, var.extra_site_secret_arns)
  warmer_concurrency = var.warmer_concurrency

  wait_for_deployment = var.wait_for_deployment
  force_destroy       = !var.deletion_protection

  s3_access_logs_force_destroy = !var.deletion_protection # a throw-away environment's logs go with it
}
