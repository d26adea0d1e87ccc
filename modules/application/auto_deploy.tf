# Auto-deploy by digest: an ECR push of a new tag (tags are immutable: one per build) -> EventBridge rule -> a
# small Lambda that registers a copy of the family's newest task definition revision with the image pinned by the
# pushed digest and rolls the service to it. The function owns the running revision from then on (the service
# ignores task_definition, see main.tf); {"redeploy": true} rolls out Terraform's newest revision with the digest
# that runs now. The function's code ships with this module (functions/auto-deploy, zipped by
# tools/function_zips.py; CI checks the zip matches the source).

resource "aws_cloudwatch_event_rule" "image_pushed" {
  count       = var.auto_deploy ? 1 : 0
  name        = "${local.name_prefix}-image-pushed"
  description = "A new ${local.repository_name} image tag${var.auto_deploy_tag_prefix == "" ? "" : " starting ${var.auto_deploy_tag_prefix}"} was pushed"

  event_pattern = jsonencode({
    source      = ["aws.ecr"]
    detail-type = ["ECR Image Action"]
    detail = {
      action-type     = ["PUSH"]
      result          = ["SUCCESS"]
      repository-name = [local.repository_name]
      # Any tag, or those with the prefix (e.g. "release-"); an untagged push (digest only) does not deploy.
      # (Through JSON: a conditional between the two objects would make `true` the string "true".)
      image-tag = jsondecode(var.auto_deploy_tag_prefix == "" ? "[{\"exists\": true}]" : jsonencode([{ prefix = var.auto_deploy_tag_prefix }]))
    }
  })

  tags = local.tags
}

resource "aws_cloudwatch_event_target" "deploy" {
  count = var.auto_deploy ? 1 : 0
  rule  = aws_cloudwatch_event_rule.image_pushed[0].name
  arn   = aws_lambda_function.deploy[0].arn
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  count              = var.auto_deploy ? 1 : 0
  name               = "${local.name_prefix}-auto-deploy"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "deploy" {
  count = var.auto_deploy ? 1 : 0

  statement {
    sid       = "UpdateThisService"
    actions   = ["ecs:UpdateService", "ecs:DescribeServices"]
    resources = [local.service.id]
  }
  # DescribeTaskDefinition and RegisterTaskDefinition take no resource-level permissions (Service Authorization
  # Reference, Amazon ECS); the family is fixed by the function's environment.
  statement {
    sid       = "RegisterRevisions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }
  statement {
    sid       = "TagRevisions"
    actions   = ["ecs:TagResource"]
    resources = ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:task-definition/${aws_ecs_task_definition.app.family}:*"]
  }
  statement {
    sid       = "PassTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.execution.arn, aws_iam_role.task.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
  statement {
    sid       = "SendToDeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.deploy_dlq[0].arn]
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.deploy[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  count  = var.auto_deploy ? 1 : 0
  name   = "auto-deploy"
  role   = aws_iam_role.deploy[0].id
  policy = data.aws_iam_policy_document.deploy[0].json
}

resource "aws_cloudwatch_log_group" "deploy" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold the pushed tag, the digest and the revision deployed, no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  count             = var.auto_deploy ? 1 : 0
  name              = "/aws/lambda/${local.name_prefix}-auto-deploy"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_sqs_queue" "deploy_dlq" {
  count                     = var.auto_deploy ? 1 : 0
  name                      = "${local.name_prefix}-auto-deploy-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

resource "aws_lambda_function" "deploy" {
  #checkov:skip=CKV_AWS_117:It calls only the ECS and ECR APIs (IAM-authorised) when an image is pushed and reaches nothing inside the VPC; VPC placement would need a NAT gateway or endpoints and isolate nothing
  #checkov:skip=CKV_AWS_173:Lambda encrypts environment variables at rest with its AWS-managed key; these hold the cluster, service and family names, no secret values, so a customer key would protect nothing more
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed zips; the module's own zip (functions/auto-deploy, checked against its source by tools/function_zips.py) is uploaded by this Terraform run, and IAM on lambda:UpdateFunctionCode decides who else may change it
  #checkov:skip=CKV_AWS_50:One short run per image push (register a task definition, update the service); its log says what it did, and an X-Ray trace of two API calls would add cost, not insight
  count            = var.auto_deploy ? 1 : 0
  function_name    = "${local.name_prefix}-auto-deploy"
  role             = aws_iam_role.deploy[0].arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  filename         = "${path.module}/functions/auto-deploy.zip"
  source_code_hash = filebase64sha256("${path.module}/functions/auto-deploy.zip")
  timeout          = 30
  memory_size      = 128

  # One deployment at a time is enough; a burst of pushes must not fan out.
  reserved_concurrent_executions = 1

  environment {
    variables = {
      CLUSTER        = local.cluster_name
      SERVICE        = local.service.name
      FAMILY         = aws_ecs_task_definition.app.family
      CONTAINER      = local.app_container.name
      REPOSITORY_URL = local.repository_url
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.deploy_dlq[0].arn
  }

  depends_on = [aws_cloudwatch_log_group.deploy, aws_iam_role_policy.deploy]
  tags       = local.tags
}

resource "aws_lambda_permission" "events" {
  count         = var.auto_deploy ? 1 : 0
  statement_id  = "AllowEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.deploy[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.image_pushed[0].arn
}
