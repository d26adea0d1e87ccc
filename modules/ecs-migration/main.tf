# Runs a one-off ECS task of a service's task definition with another command (Django: `python manage.py migrate
# --noinput`) on every deploy, and fails the apply when it fails. A small Lambda function (functions/run-task,
# zipped by tools/function_zips.py; CI checks the zip matches the source) calls RunTask in the service's private
# subnets and security group and waits for the container's exit code; aws_lambda_invocation runs it whenever the
# task definition gets a new revision (a new image or configuration). The task, not the function, talks to the
# database: the function needs no VPC, and the database admits the tasks' security group only.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name_prefix   = "${var.name}-${var.environment}"
  function_name = "${local.name_prefix}-migrate"
  tags          = merge(var.tags, { "nextstack:environment" = var.environment })
  arn_prefix    = "arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  # arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION -> FAMILY: RunTask may start that family only.
  family       = split(":", split("/", var.task_definition_arn)[1])[0]
  cluster_name = element(split("/", var.cluster_arn), length(split("/", var.cluster_arn)) - 1)
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.function_name
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = local.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "RunTaskOfThisFamily"
    actions   = ["ecs:RunTask"]
    resources = ["${local.arn_prefix}:task-definition/${local.family}:*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }
  statement {
    sid       = "WatchTasksInThisCluster"
    actions   = ["ecs:DescribeTasks"]
    resources = ["${local.arn_prefix}:task/${local.cluster_name}/*"]
  }
  statement {
    sid       = "PassTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }
  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "run-task"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold the task ARN, its exit code and the reason ECS gave, no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

# Terraform invokes synchronously and sees the error itself; a pipeline that invokes asynchronously (`--invocation-type
# Event`) finds failed runs here.
resource "aws_sqs_queue" "dlq" {
  name                      = "${local.function_name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:It only calls ECS RunTask and DescribeTasks (IAM-authorised); the task it starts runs in the VPC's private subnets (subnet_ids), while the function itself needs no path into the VPC
  #checkov:skip=CKV_AWS_173:Lambda encrypts environment variables at rest with its AWS-managed key; these hold the cluster and task definition ARNs, the command, subnet and security group ids, no secret values, so a customer key would protect nothing more
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed zips; the module's own zip (functions/run-task, checked against its source by tools/function_zips.py) is uploaded by this Terraform run, and IAM on lambda:UpdateFunctionCode decides who else may change it
  #checkov:skip=CKV_AWS_50:One run per deploy that starts a task and polls until it stops; its log records the task ARN and exit code, which a trace of the polling would not improve
  function_name    = local.function_name
  description      = "Runs ${join(" ", var.command)} in a task of ${local.family} and fails unless it exits 0"
  role             = aws_iam_role.this.arn
  runtime          = "python3.12"
  handler          = "index.handler"
  filename         = "${path.module}/functions/run-task.zip"
  source_code_hash = filebase64sha256("${path.module}/functions/run-task.zip")
  architectures    = ["arm64"]
  memory_size      = 128
  timeout          = var.timeout

  # One migration at a time: two concurrent `migrate` runs would race on the same tables.
  reserved_concurrent_executions = 1

  environment {
    variables = {
      CLUSTER          = var.cluster_arn
      TASK_DEFINITION  = var.task_definition_arn
      CONTAINER        = var.container_name
      COMMAND          = jsonencode(var.command)
      SUBNETS          = jsonencode(var.subnet_ids)
      SECURITY_GROUPS  = jsonencode(var.security_group_ids)
      ASSIGN_PUBLIC_IP = var.assign_public_ip ? "ENABLED" : "DISABLED"
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.this]
}

# Synchronous (RequestResponse): the apply waits for the migration and fails with it. A new task definition
# revision changes `input`, which invokes the function again; otherwise a plan shows no change.
resource "aws_lambda_invocation" "this" {
  count = var.run_on_deploy ? 1 : 0

  function_name = aws_lambda_function.this.function_name
  input         = jsonencode({ task_definition = var.task_definition_arn })

  triggers = {
    task_definition = var.task_definition_arn
    command         = jsonencode(var.command)
  }
}
