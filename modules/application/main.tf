# Application stack (changes daily): the Next.js task definition and its ECS service, and the auto-deploy
# pipeline (ECR push -> EventBridge -> Lambda -> UpdateService). Every container runs with a read-only root
# filesystem; Next.js writes its ISR cache and temporary files to tmpfs mounts.
# Reads the repository and table (data), the cluster and placement (compute) and the target group and ALB
# security group (networking); publishes the service under /nextstack/<environment>/application/.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "application", "nextstack:environment" = var.environment })
  is_prod     = var.is_prod == null ? var.environment == "prod" : var.is_prod

  data       = module.ssm_names.names["data"]
  compute    = module.ssm_names.names["compute"]
  networking = module.ssm_names.names["networking"]
  upstream   = data.nextstack_ssm_parameters.upstream.values

  repository_url  = local.upstream[local.data["ecr_repository_url"]]
  repository_name = local.upstream[local.data["ecr_repository_name"]]
  table_name      = local.upstream[local.data["dynamodb_table_name"]]
  table_arn       = local.upstream[local.data["dynamodb_table_arn"]]
  cluster_name    = local.upstream[local.compute["cluster_name"]]
  cluster_arn     = local.upstream[local.compute["cluster_arn"]]
  capacity        = local.upstream[local.compute["capacity_provider_name"]]
  vpc_id          = local.upstream[local.compute["vpc_id"]]
  subnet_ids      = split(",", local.upstream[local.compute["subnet_ids"]])
  target_group    = local.upstream[local.networking["target_group_arn"]]
  alb_sg          = local.upstream[local.networking["alb_security_group_id"]]
  container_port  = tonumber(local.upstream[local.networking["container_port"]])
}

# One read of everything this stack needs; a name no stack has published yet fails here, naming it.
data "nextstack_ssm_parameters" "upstream" {
  names = [
    local.data["ecr_repository_url"],
    local.data["ecr_repository_name"],
    local.data["dynamodb_table_name"],
    local.data["dynamodb_table_arn"],
    local.data["assets_bucket_name"],
    local.compute["cluster_name"],
    local.compute["cluster_arn"],
    local.compute["capacity_provider_name"],
    local.compute["vpc_id"],
    local.compute["subnet_ids"],
    local.networking["target_group_arn"],
    local.networking["alb_security_group_id"],
    local.networking["container_port"],
  ]
}

# ------------------------------------------------------------------------------------------------ IAM

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name_prefix}-task-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role" "task" {
  name               = "${local.name_prefix}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ReadTable"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
    resources = [local.table_arn, "${local.table_arn}/index/*"]
  }

  # ECS Exec (outside prod) talks to the SSM agent through these channels.
  dynamic "statement" {
    for_each = local.is_prod ? [] : [1]
    content {
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
}

resource "aws_iam_role_policy" "task" {
  name   = "app"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ------------------------------------------------------------------------------------------------ task definition

resource "aws_cloudwatch_log_group" "app" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold the Next.js server's stdout and stderr, no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  name              = "/ecs/${local.name_prefix}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

locals {
  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.app.name
      awslogs-region        = data.aws_region.current.name
      awslogs-stream-prefix = "app"
    }
  }

  app_container = {
    name                   = "nextjs"
    image                  = "${local.repository_url}:${var.image_tag}"
    essential              = true
    memory                 = var.app_memory
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = local.container_port, protocol = "tcp" }]
    environment = [
      for k, v in merge(
        {
          NODE_ENV          = "production"
          PORT              = tostring(local.container_port)
          HOSTNAME          = "0.0.0.0"
          USE_FILE_FALLBACK = "true" # static fallback data when DynamoDB is out of reach (prerendering)
          TABLE_NAME        = local.table_name
          GSI1_NAME         = "GSI1"
          GSI2_NAME         = "GSI2"
        },
        var.trace_sidecar == null ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4317" },
        var.environment_variables,
      ) : { name = k, value = v }
    ]
    linuxParameters = {
      initProcessEnabled = true
      tmpfs              = [for path, size in var.tmpfs_mounts : { containerPath = path, size = size, mountOptions = ["rw", "noexec", "nosuid"] }]
    }
    logConfiguration = local.log_configuration
  }

  sidecars = [
    for name, s in { promtail = var.log_sidecar, alloy = var.trace_sidecar } : {
      name                    = name
      image                   = s.image
      essential               = false
      memory                  = s.memory
      readonlyRootFilesystem  = true
      environment             = [{ name = name == "promtail" ? "PROMTAIL_CONFIG" : "ALLOY_CONFIG", value = s.config }]
      linuxParameters = {
        tmpfs = [{ containerPath = "/tmp", size = 32, mountOptions = ["rw", "noexec", "nosuid"] }]
      }
      logConfiguration = merge(local.log_configuration, { options = merge(local.log_configuration.options, { awslogs-stream-prefix = name }) })
    } if s != null
  ]
}

resource "aws_ecs_task_definition" "app" {
  family                   = local.name_prefix
  network_mode             = "awsvpc"
  requires_compatibilities = ["EC2"]
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(concat([local.app_container], local.sidecars))
  tags                     = local.tags

  lifecycle {
    precondition {
      condition     = var.app_memory + sum(concat([0], [for s in local.sidecars : s.memory])) <= var.memory
      error_message = "The containers' memory (app_memory ${var.app_memory} MiB plus the sidecars') exceeds the task's memory (${var.memory} MiB)."
    }
  }
}

# ------------------------------------------------------------------------------------------------ service

resource "aws_security_group" "task" {
  name        = "${local.name_prefix}-task"
  description = "Next.js tasks of ${local.name_prefix}: the container port from the ALB only"
  vpc_id      = local.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  description                  = "Container port from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = local.alb_sg
}

resource "aws_vpc_security_group_egress_rule" "task_all" {
  security_group_id = aws_security_group.task.id
  description       = "DynamoDB, ECR, CloudWatch and the sidecars' endpoints"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

# Two forms of the one service, by who deploys it. With auto_deploy (the default) the deploy function owns the
# running task definition revision (it pins each pushed digest), so Terraform ignores task_definition: otherwise
# the next apply would roll the service back to Terraform's own revision. Without it, Terraform deploys: a change
# of image_tag or of the task definition rolls the service to the new revision.
resource "aws_ecs_service" "app" {
  count = var.auto_deploy ? 1 : 0

  name                   = local.name_prefix
  cluster                = local.cluster_arn
  task_definition        = aws_ecs_task_definition.app.arn
  desired_count          = var.desired_count
  enable_execute_command = !local.is_prod
  propagate_tags         = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = local.capacity
    weight            = 1
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = local.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = local.target_group
    container_name   = local.app_container.name
    container_port   = local.container_port
  }

  tags = local.tags

  # The pages the new tasks render name chunks that must already be published.
  depends_on = [nextstack_nextjs_site.static]

  lifecycle {
    ignore_changes = [task_definition]
  }
}

resource "aws_ecs_service" "terraform_deployed" {
  count = var.auto_deploy ? 0 : 1

  name                   = local.name_prefix
  cluster                = local.cluster_arn
  task_definition        = aws_ecs_task_definition.app.arn
  desired_count          = var.desired_count
  enable_execute_command = !local.is_prod
  propagate_tags         = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = local.capacity
    weight            = 1
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = local.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = local.target_group
    container_name   = local.app_container.name
    container_port   = local.container_port
  }

  tags = local.tags

  # The pages the new tasks render name chunks that must already be published.
  depends_on = [nextstack_nextjs_site.static]
}

locals {
  service = var.auto_deploy ? aws_ecs_service.app[0] : aws_ecs_service.terraform_deployed[0]
}

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["application"]

  values = {
    service_name           = local.service.name
    task_definition_family = aws_ecs_task_definition.app.family
    task_security_group_id = aws_security_group.task.id
  }

  tags = local.tags
}
