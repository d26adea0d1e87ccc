# A containerised HTTP service on ECS Fargate behind its own internet-facing ALB (seed 003's FastAPI back end):
# HTTPS on 443 with a certificate validated in the DNS account's zone, 80 redirecting to it, the host name aliased
# to the ALB in that zone, a regional WAF. The tasks admit only the ALB's security group on the container port, run
# with a read-only root filesystem, roll back a failing deployment, and get their secrets (from Secrets Manager or
# SSM Parameter Store, created here or, with `container_secrets`, existing ones such as the secret RDS manages)
# through the task definition's `secrets`, which the execution role may read and nothing else may. Publishes the
# service under /nextstack/<environment>/<ssm_stack>/ (`fargate-service` unless told otherwise).

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "fargate-service", "nextstack:environment" = var.environment })
  region      = data.aws_region.current.name
  image       = var.image != null ? var.image : "${aws_ecr_repository.this.repository_url}:${var.image_tag}"

  # Environment variable name => ARN of the secret (Secrets Manager) or SecureString parameter (SSM) it comes from.
  secret_arns = var.secret_store == "secretsmanager" ? { for k, s in aws_secretsmanager_secret.this : k => s.arn } : { for k, p in aws_ssm_parameter.secret : k => p.arn }

  # Secrets that exist elsewhere (e.g. the master user secret RDS manages): what the execution role may read is
  # the secret itself, without a `:json-key:version-stage:version-id` suffix (the first seven ':' fields).
  external_secret_arns  = distinct([for v in values(var.container_secrets) : join(":", slice(split(":", v), 0, 7)) if startswith(split(":", v)[2], "secretsmanager")])
  external_parameters   = distinct([for v in values(var.container_secrets) : v if split(":", v)[2] == "ssm"])
  all_container_secrets = merge(var.container_secrets, local.secret_arns)
}

# ------------------------------------------------------------------------------------------------ image repository

resource "aws_ecr_repository" "this" {
  #checkov:skip=CKV_AWS_136:Images are encrypted at rest with ECR's AES-256 default; they hold the application's code and no secret (secrets reach the containers as ECS secrets when a task starts)
  name                 = local.name_prefix
  image_tag_mutability = var.image_tag_mutability
  force_delete         = !var.deletion_protection

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.image_retention_count} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.image_retention_count
      }
      action = { type = "expire" }
    }]
  })
}

# ------------------------------------------------------------------------------------------------ secrets

# Containers only: the values are set outside Terraform (`aws secretsmanager put-secret-value`, or
# `aws ssm put-parameter --overwrite`), so they never reach a plan or the state. A secret has no version here,
# so there is no value for Terraform to read back.
resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:The values are the application's credentials set outside Terraform; automatic rotation needs a rotation function that knows each issuer, and a database password should come from RDS's managed secret (container_secrets)
  for_each = var.secret_store == "secretsmanager" ? toset(var.secrets) : toset([])

  name                    = "${local.name_prefix}/${each.key}"
  description             = "${each.key} of ${local.name_prefix} (set the value outside Terraform)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_ssm_parameter" "secret" {
  for_each = var.secret_store == "ssm" ? toset(var.secrets) : toset([])

  name        = "/${local.name_prefix}/${each.key}"
  description = "${each.key} of ${local.name_prefix} (set the value outside Terraform)"
  type        = "SecureString"
  key_id      = var.kms_key_arn
  tags        = local.tags

  # A placeholder the real value replaces (`put-parameter --overwrite`). Write-only (Terraform >= 1.11): the AWS
  # provider reads a parameter's decrypted `value` back into the state on every refresh, so a placeholder in
  # `value` with `ignore_changes` would still store the real secret there once it is set; `value_wo` is sent
  # once, when the version changes, and never read back.
  value_wo         = "unset"
  value_wo_version = 1
}

# ------------------------------------------------------------------------------------------------ IAM

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# What ECS itself does before the container starts: pull the image, create the log stream, read the secrets.
resource "aws_iam_role" "execution" {
  name               = "${local.name_prefix}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # the action has no resource
  }
  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.this.arn]
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.secret_store == "secretsmanager" && length(var.secrets) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = values(local.secret_arns)
    }
  }
  dynamic "statement" {
    for_each = var.secret_store == "ssm" && length(var.secrets) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["ssm:GetParameters"]
      resources = values(local.secret_arns)
    }
  }
  dynamic "statement" {
    for_each = length(local.external_secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadExternalSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.external_secret_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.external_parameters) > 0 ? [1] : []
    content {
      sid       = "ReadExternalParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.external_parameters
    }
  }
  dynamic "statement" {
    for_each = var.kms_key_arn != null && length(var.secrets) > 0 ? [1] : []
    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# What the application may do: nothing by default (attach policies to the output task_role_name).
resource "aws_iam_role" "task" {
  name               = "${local.name_prefix}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "exec" {
  statement {
    sid = "EcsExec"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "exec" {
  count  = var.enable_execute_command ? 1 : 0
  name   = "ecs-exec"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.exec.json
}

# ------------------------------------------------------------------------------------------------ security groups

resource "aws_security_group" "alb" {
  name        = "${local.name_prefix}-alb"
  description = "ALB of ${local.name_prefix}: HTTP and HTTPS from the allowed networks"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = { for pair in setproduct([80, 443], var.allowed_cidr_blocks) : "${pair[0]} ${pair[1]}" => pair }

  security_group_id = aws_security_group.alb.id
  description       = each.value[0] == 80 ? "HTTP (redirected to HTTPS)" : "HTTPS"
  ip_protocol       = "tcp"
  from_port         = each.value[0]
  to_port           = each.value[0]
  cidr_ipv4         = each.value[1]
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the tasks on the container port"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.task.id
}

resource "aws_security_group" "task" {
  name        = "${local.name_prefix}-task"
  description = "Tasks of ${local.name_prefix}: the container port from the ALB only"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  description                  = "Container port from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "task_all" {
  security_group_id = aws_security_group.task.id
  description       = "Image registry, Secrets Manager / SSM, CloudWatch Logs and the APIs the service calls"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

# ------------------------------------------------------------------------------------------------ certificate

resource "nextstack_acm_certificate" "this" {
  domain_name = var.domain_name
  region      = local.region # the ALB's region

  validation {
    hosted_zone_id = var.hosted_zone_id
    role_arn       = var.dns_role_arn
    external_id    = var.dns_external_id
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

# ------------------------------------------------------------------------------------------------ load balancer

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:enable_deletion_protection is var.deletion_protection, true by default; only the examples turn it off so that their destroy step runs to completion
  #checkov:skip=CKV2_AWS_76:Scanner mistake: the ALB's web ACL comes from module.waf[0] (web_acl_enabled, on by default), whose managed_rule_groups include AWSManagedRulesKnownBadInputsRuleSet with the Log4j rules; checkov cannot follow the counted module
  name                       = substr("${local.name_prefix}-alb", 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout
  tags                       = local.tags

  dynamic "access_logs" {
    for_each = var.access_logs_enabled ? [1] : []
    content {
      bucket  = local.access_logs_bucket
      prefix  = "alb"
      enabled = true
    }
  }

  # ELB checks that it may write to the bucket when logging is turned on.
  depends_on = [module.access_logs]
}

resource "aws_lb_target_group" "this" {
  name                 = substr("${local.name_prefix}-tg", 0, 32)
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip" # awsvpc tasks
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = local.tags
}

# The ALB is the service's public entry point (no CloudFront in front): clients reach it at domain_name over TLS.
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = nextstack_acm_certificate.this.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = local.tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = local.tags
}

module "waf" {
  source = "../waf"
  count  = var.web_acl_enabled ? 1 : 0

  name                = "${local.name_prefix}-alb"
  description         = "Rate limit and AWS managed rules in front of the ${local.name_prefix} ALB"
  scope               = "REGIONAL"
  rate_limit          = var.rate_limit
  managed_rule_groups = var.managed_rule_groups
  tags                = local.tags
}

# The web ACL was this module's own resource before modules/waf.
moved {
  from = aws_wafv2_web_acl.this[0]
  to   = module.waf[0].aws_wafv2_web_acl.this
}

resource "aws_wafv2_web_acl_association" "this" {
  count        = var.web_acl_enabled ? 1 : 0
  resource_arn = aws_lb.this.arn
  web_acl_arn  = module.waf[0].arn
}

resource "nextstack_dns_alias" "this" {
  hosted_zone_id = var.hosted_zone_id
  role_arn       = var.dns_role_arn
  external_id    = var.dns_external_id
  names          = [var.domain_name]

  target {
    dns_name       = aws_lb.this.dns_name
    hosted_zone_id = aws_lb.this.zone_id
  }
}

# ------------------------------------------------------------------------------------------------ ECS

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:var.container_insights turns Container Insights on; it is off by default because it bills per metric, and the service's logs and the ALB's metrics cover a small service
  name = local.name_prefix

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  name              = "/ecs/${local.name_prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = local.tags
}

locals {
  container = {
    name                   = var.container_name
    image                  = local.image
    essential              = true
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
    environment            = [for k in sort(keys(var.environment_variables)) : { name = k, value = var.environment_variables[k] }]
    secrets                = [for k in sort(keys(local.all_container_secrets)) : { name = k, valueFrom = local.all_container_secrets[k] }]
    # The root filesystem is read-only; these task-local (Fargate ephemeral storage) volumes are the writable paths.
    mountPoints     = [for i, p in var.writable_paths : { sourceVolume = "writable-${i}", containerPath = p, readOnly = false }]
    linuxParameters = { initProcessEnabled = true }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = var.container_name
      }
    }
  }
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.name_prefix
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  # The image's CMD unless `command` overrides it.
  container_definitions = jsonencode([merge(local.container, var.command == null ? {} : { command = var.command })])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  dynamic "volume" {
    for_each = var.writable_paths
    content {
      name = "writable-${volume.key}"
    }
  }

  tags = local.tags

  # The execution role must be able to read the secrets before a task starts.
  depends_on = [aws_iam_role_policy.execution]

  # A new revision is registered and the service moved to it before the old one (and a secret only it used) goes.
  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = length(setintersection(keys(var.container_secrets), concat(var.secrets, keys(var.environment_variables)))) == 0
      error_message = "The container_secrets names must differ from the secrets and environment_variables names (each variable has one source)."
    }
  }
}

resource "aws_ecs_service" "this" {
  name                   = local.name_prefix
  cluster                = aws_ecs_cluster.this.arn
  task_definition        = aws_ecs_task_definition.this.arn
  desired_count          = var.desired_count
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  enable_execute_command = var.enable_execute_command
  propagate_tags         = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.health_check_grace_period_seconds

  network_configuration {
    subnets          = var.task_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = var.assign_public_ip
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = var.container_name
    container_port   = var.container_port
  }

  tags = local.tags

  # ECS refuses a target group that no listener uses yet.
  depends_on = [aws_lb_listener.https]
}

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes[var.ssm_stack]

  values = {
    cluster_name           = aws_ecs_cluster.this.name
    service_name           = aws_ecs_service.this.name
    task_definition_family = aws_ecs_task_definition.this.family
    container_name         = var.container_name
    repository_url         = aws_ecr_repository.this.repository_url
    service_url            = "https://${var.domain_name}"
    alb_dns_name           = aws_lb.this.dns_name
    alb_security_group_id  = aws_security_group.alb.id
    task_security_group_id = aws_security_group.task.id
  }

  tags = local.tags
}
