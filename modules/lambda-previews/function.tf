# The one server function: its role (its own logs, its dead-letter queue and, in a VPC, its network interfaces),
# its log group with retention, and the function itself with `publish = true`, so every new code or setting is a
# new immutable version that an alias can hold.

locals {
  in_vpc = var.function_subnet_ids != null

  # The name of the OpenNext wrapper and converter shipped in opennext/ (alb-wrapper.ts, alb-converter.ts), as
  # the build's open-next.output.json records them.
  alb_override = "nextstack-alb"

  environment_variables = merge({ NODE_ENV = "production" }, var.environment_variables)

  # Everything that makes Lambda publish a new version (hashicorp/aws publishes on a change of the code or of
  # any of these settings). Its digest is written into each alias's description, so that a new version under a
  # deployment number that already has one is refused at plan (see deployments.tf).
  version_inputs = {
    code         = local.server.source_code_hash
    handler      = local.server.handler
    runtime      = var.lambda_runtime
    architecture = var.architecture
    memory_size  = var.memory_size
    timeout      = var.timeout
    environment  = local.environment_variables
    subnet_ids   = local.in_vpc ? sort(var.function_subnet_ids) : []
  }
  version_digest = sha256(jsonencode(local.version_inputs))
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

resource "aws_iam_role" "server" {
  name               = "${local.name_prefix}-server"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = local.tags
}

data "aws_iam_policy_document" "server" {
  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.server.arn}:*"]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  # What Lambda needs to attach the function to the private subnets (the actions take no resource).
  dynamic "statement" {
    for_each = local.in_vpc ? [1] : []
    content {
      sid = "NetworkInterfaces"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "server" {
  name   = "server"
  role   = aws_iam_role.server.id
  policy = data.aws_iam_policy_document.server.json
}

resource "aws_cloudwatch_log_group" "server" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold the Next.js server's output for preview requests, no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  name              = "/aws/lambda/${local.name_prefix}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

# Asynchronous invocations that still fail after Lambda's retries land here (the ALB invokes synchronously;
# this catches anything else that invokes the function asynchronously, e.g. a warmer).
resource "aws_sqs_queue" "dlq" {
  name                      = "${local.name_prefix}-server-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags                      = local.tags
}

resource "aws_security_group" "function" {
  count = local.in_vpc ? 1 : 0

  name        = "${local.name_prefix}-function"
  description = "Server function of ${local.name_prefix}: no inbound traffic (the ALB invokes it through the Lambda API)"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_egress_rule" "function" {
  count = local.in_vpc ? 1 : 0

  security_group_id = aws_security_group.function[0].id
  description       = "Upstream requests of the app (through the private subnets' NAT gateway or VPC endpoints)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_lambda_function" "server" {
  #checkov:skip=CKV_AWS_173:Lambda encrypts environment variables at rest with its AWS-managed key; these hold the app's plain settings (environment_variables says so: they are part of every published version), no secret values, so a customer key would protect nothing more
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed zips; the OpenNext build's server zip is uploaded by this Terraform run, and IAM on lambda:UpdateFunctionCode decides who else may change it
  #checkov:skip=CKV_AWS_50:Preview deployments serve a team's reviews, not production traffic; the function's log has Lambda's REPORT line (duration, memory) per request, and X-Ray would bill per trace for little more
  function_name    = local.name_prefix
  description      = "Next.js server of ${local.name_prefix} (OpenNext); one published version per deployment"
  role             = aws_iam_role.server.arn
  runtime          = local.version_inputs.runtime
  handler          = local.version_inputs.handler
  filename         = local.server.zip_path
  source_code_hash = local.version_inputs.code
  architectures    = [local.version_inputs.architecture]
  memory_size      = local.version_inputs.memory_size
  timeout          = local.version_inputs.timeout
  publish          = true

  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = local.version_inputs.environment
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [1] : []
    content {
      subnet_ids         = local.version_inputs.subnet_ids
      security_group_ids = [aws_security_group.function[0].id]
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.server.name
  }

  tags = local.tags

  lifecycle {
    # An ALB sends ALB events and serves no files: a build with OpenNext's defaults (API Gateway v2 events, assets
    # left to CloudFront) would answer errors and pages without their scripts. The build records what it uses.
    precondition {
      condition     = local.server.wrapper == local.alb_override && local.server.converter == local.alb_override
      error_message = "The build in var.build_dir (${var.build_dir}) has a server function built with the wrapper \"${coalesce(local.server.wrapper, "unknown")}\" and the converter \"${coalesce(local.server.converter, "unknown")}\"; behind an ALB it needs \"${local.alb_override}\" for both: build the app with modules/lambda-previews/opennext/open-next.config.ts and the two .ts files next to it (see the module's README)."
    }
  }

  depends_on = [aws_iam_role_policy.server]
}
