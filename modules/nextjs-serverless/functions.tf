# The functions of the build, each with its own role (only the grants seed 004 lists for it, plus its logs and
# the dead-letter queue), its own log group with retention, and a reserved concurrency. With `vpc_config` the
# server functions run in the given (private) subnets; with `secrets` they may read exactly those secrets.

locals {
  # Every function this module deploys, by key: the origin functions by origin name, then the revalidation
  # function and the warmer when the build has them (the initialization function is not deployed:
  # nextstack_nextjs_site seeds the tag table itself).
  functions = merge(
    { for name, f in local.origin_functions : name => merge(f, { kind = f.role }) },
    { for f in local.revalidation : "revalidation" => merge(f, { kind = "revalidation" }) },
    { for f in local.warmer : "warmer" => merge(f, { kind = "warmer" }) if var.warmer_concurrency > 0 },
  )

  # What OpenNext's server needs to find its caches and queue.
  cache_environment = {
    CACHE_BUCKET_NAME         = aws_s3_bucket.cache.bucket
    CACHE_BUCKET_KEY_PREFIX   = local.cache_prefix
    CACHE_BUCKET_REGION       = local.region
    REVALIDATION_QUEUE_URL    = aws_sqs_queue.revalidation.url
    REVALIDATION_QUEUE_REGION = local.region
    CACHE_DYNAMO_TABLE        = aws_dynamodb_table.revalidation.name
  }
  # Secret ARNs, never values: a value in a function's environment would be in the plan, the state and every
  # GetFunctionConfiguration answer. `STRIPE_KEY = arn` becomes STRIPE_KEY_SECRET_ARN = arn; the app reads it.
  secret_environment = { for name, arn in var.secrets : "${name}_SECRET_ARN" => arn }

  image_environment = {
    BUCKET_NAME       = aws_s3_bucket.assets.bucket
    BUCKET_KEY_PREFIX = local.assets_prefix
  }

  settings = {
    server = {
      architecture = coalesce(var.server_architecture, "x86_64")
      memory       = var.server_memory_size
      timeout      = var.server_timeout
      reserved     = var.reserved_concurrency.server
    }
    image_optimization = {
      architecture = "arm64" # Graviton, when the bundle's sharp does not say otherwise (see architectures)
      memory       = var.image_memory_size
      timeout      = 30
      reserved     = var.reserved_concurrency.image_optimization
    }
    revalidation = {
      architecture = "arm64"
      memory       = 256
      timeout      = 30
      reserved     = var.reserved_concurrency.revalidation
    }
    warmer = {
      architecture = "arm64"
      memory       = 256
      timeout      = 60
      reserved     = var.reserved_concurrency.warmer
    }
  }

  # Each function runs on the architecture its native modules were built for, read from the bundle by
  # nextstack_nextjs_build (sharp's binaries in the image optimization function: OpenNext asks npm for arm64 ones
  # with a flag some npm versions ignore); the settings above apply to bundles without native code.
  architectures = {
    for key, f in local.functions : key => coalesce(f.native_architecture, local.settings[f.kind].architecture)
  }
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

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${local.function_names[each.key]}-role"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = local.tags
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.functions_dlq.arn]
  }

  # Server: read, write and delete ISR and fetch cache entries (OpenNext's S3 cache adapter deletes the entry of a
  # page that is gone), queue revalidations, and use the tag cache (seed 004
  # names the table in CACHE_DYNAMO_TABLE without listing a grant; the server cannot read tags without one).
  dynamic "statement" {
    for_each = each.value.kind == "server" ? [1] : []
    content {
      sid       = "CacheObjects"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${aws_s3_bucket.cache.arn}/${local.cache_prefix}/*"]
    }
  }
  dynamic "statement" {
    for_each = each.value.kind == "server" ? [1] : []
    content {
      sid       = "CacheListing"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.cache.arn]
    }
  }
  dynamic "statement" {
    for_each = each.value.kind == "server" ? [1] : []
    content {
      sid       = "QueueRevalidations"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.revalidation.arn]
    }
  }
  dynamic "statement" {
    for_each = each.value.kind == "server" ? [1] : []
    content {
      sid       = "TagCache"
      actions   = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchWriteItem"]
      resources = [aws_dynamodb_table.revalidation.arn, "${aws_dynamodb_table.revalidation.arn}/index/revalidate"]
    }
  }

  # Server in a VPC: the network interfaces Lambda creates in the subnets for it. These EC2 actions take no
  # resource-level scoping that Lambda's own check at create accepts, hence "*" (the same set as
  # AWSLambdaVPCAccessExecutionPermissions, inline so that every grant stays listed here).
  dynamic "statement" {
    for_each = each.value.kind == "server" && var.vpc_config != null ? [1] : []
    content {
      sid = "VpcNetworkInterfaces"
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

  # Server: the application's secrets, exactly those (the app reads them at run time, see `secrets`).
  dynamic "statement" {
    for_each = each.value.kind == "server" && length(var.secrets) > 0 ? [1] : []
    content {
      sid       = "ReadAppSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = sort(distinct(values(var.secrets)))
    }
  }
  dynamic "statement" {
    for_each = each.value.kind == "server" && length(var.secrets) > 0 && var.secrets_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptAppSecrets"
      actions   = ["kms:Decrypt"]
      resources = [var.secrets_kms_key_arn]
    }
  }

  # Image optimization: read the original images.
  dynamic "statement" {
    for_each = each.value.kind == "image_optimization" ? [1] : []
    content {
      sid       = "ReadImages"
      actions   = ["s3:GetObject"]
      resources = ["${aws_s3_bucket.assets.arn}/${local.assets_prefix}/*"]
    }
  }

  # Revalidation: what an SQS event source needs to poll the queue.
  dynamic "statement" {
    for_each = each.value.kind == "revalidation" ? [1] : []
    content {
      sid       = "PollRevalidations"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [aws_sqs_queue.revalidation.arn]
    }
  }

  # Warmer: invoke the server function.
  dynamic "statement" {
    for_each = each.value.kind == "warmer" ? [1] : []
    content {
      sid       = "WarmServer"
      actions   = ["lambda:InvokeFunction"]
      resources = ["arn:${data.aws_partition.current.partition}:lambda:${local.region}:${data.aws_caller_identity.current.account_id}:function:${local.function_names[local.main_server]}"]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "function"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold the functions' output (the server's request errors, revalidations, warmer runs), no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_lambda_function" "function" {
  #checkov:skip=CKV_AWS_173:Lambda encrypts environment variables at rest with its AWS-managed key; these hold bucket, table and queue names, plain settings (server_environment) and the secrets' ARNs, never their values (read from Secrets Manager at run time), no secret values, so a customer key would protect nothing more
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed zips; the OpenNext build's zips is uploaded by this Terraform run, and IAM on lambda:UpdateFunctionCode decides who else may change it
  #checkov:skip=CKV_AWS_50:X-Ray bills per trace and is not a security control; each invocation's REPORT line (duration, memory) and the server's own log are in the function's log group, and the caller can add tracing in the app
  for_each = local.functions

  function_name    = local.function_names[each.key]
  description      = "${each.value.role} function of ${local.name_prefix} (OpenNext)"
  role             = aws_iam_role.function[each.key].arn
  runtime          = var.lambda_runtime
  handler          = each.value.handler
  filename         = each.value.zip_path
  source_code_hash = each.value.source_code_hash
  architectures    = [local.architectures[each.key]]
  memory_size      = local.settings[each.value.kind].memory
  timeout          = local.settings[each.value.kind].timeout

  reserved_concurrent_executions = local.settings[each.value.kind].reserved

  environment {
    variables = merge(
      # The app's own plain settings first, so that the module's names win (the variable's validation
      # refuses them anyway).
      each.value.kind == "server" ? var.server_environment : {},
      { NODE_ENV = "production" },
      each.value.kind == "server" ? local.cache_environment : {},
      each.value.kind == "server" ? local.secret_environment : {},
      each.value.kind == "image_optimization" ? local.image_environment : {},
      each.value.kind == "warmer" ? {
        # OpenNext 3+'s warmer (overrides/warmer/aws-lambda) reads one JSON list of the functions to keep warm.
        WARM_PARAMS = jsonencode([{ function = local.function_names[local.main_server], concurrency = var.warmer_concurrency }])
      } : {},
    )
  }

  dynamic "vpc_config" {
    for_each = each.value.kind == "server" && var.vpc_config != null ? [var.vpc_config] : []
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = concat([aws_security_group.server[0].id], vpc_config.value.security_group_ids)
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.functions_dlq.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  tags = local.tags

  lifecycle {
    # A server_architecture set against the build's native code would deploy modules that cannot load.
    precondition {
      condition     = each.value.kind != "server" || var.server_architecture == null || each.value.native_architecture == null || var.server_architecture == each.value.native_architecture
      error_message = "server_architecture is ${coalesce(var.server_architecture, "unset")}, but the native modules of the build's server function \"${each.key}\" were built for ${coalesce(each.value.native_architecture, "none")} (nextstack_nextjs_build reads them from the bundle): on ${coalesce(var.server_architecture, "unset")} they cannot load. Leave server_architecture unset (the function then runs on ${coalesce(each.value.native_architecture, "none")}), or install the app's dependencies for ${coalesce(var.server_architecture, "unset")} and build again."
    }
  }

  depends_on = [aws_iam_role_policy.function]
}

# ------------------------------------------------------------------------------------------------ URLs

# CloudFront reaches the origin functions through their URLs, signed by origin access control: AWS_IAM
# auth, so the URL answers no one else.
resource "aws_lambda_function_url" "origin" {
  for_each = local.origin_functions

  function_name      = aws_lambda_function.function[each.key].function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = each.value.streaming ? "RESPONSE_STREAM" : "BUFFERED"
}

resource "aws_lambda_permission" "cloudfront_url" {
  for_each = local.origin_functions

  statement_id           = "CloudFrontInvokeFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.function[each.key].function_name
  principal              = "cloudfront.amazonaws.com"
  source_arn             = aws_cloudfront_distribution.site.arn
  function_url_auth_type = "AWS_IAM"
}

# Function URLs behind origin access control also need lambda:InvokeFunction for CloudFront.
resource "aws_lambda_permission" "cloudfront_invoke" {
  for_each = local.origin_functions

  statement_id  = "CloudFrontInvokeFunction"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.key].function_name
  principal     = "cloudfront.amazonaws.com"
  source_arn    = aws_cloudfront_distribution.site.arn
}

# ------------------------------------------------------------------------------------------------ triggers

resource "aws_lambda_event_source_mapping" "revalidation" {
  count = contains(keys(local.functions), "revalidation") ? 1 : 0

  event_source_arn = aws_sqs_queue.revalidation.arn
  function_name    = aws_lambda_function.function["revalidation"].arn
  batch_size       = 5
}

resource "aws_cloudwatch_event_rule" "warmer" {
  count = contains(keys(local.functions), "warmer") ? 1 : 0

  name                = "${local.name_prefix}-warmer"
  description         = "Keeps ${var.warmer_concurrency} server function instance(s) of ${local.name_prefix} warm"
  schedule_expression = var.warmer_schedule
  tags                = local.tags
}

resource "aws_cloudwatch_event_target" "warmer" {
  count = contains(keys(local.functions), "warmer") ? 1 : 0

  rule = aws_cloudwatch_event_rule.warmer[0].name
  arn  = aws_lambda_function.function["warmer"].arn
}

resource "aws_lambda_permission" "warmer_schedule" {
  count = contains(keys(local.functions), "warmer") ? 1 : 0

  statement_id  = "EventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["warmer"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.warmer[0].arn
}

# ------------------------------------------------------------------------------------------------ VPC

# The server functions' own group: no ingress (CloudFront reaches them through their URLs, not the VPC), egress
# to the VPC and, through the NAT gateway, to S3, DynamoDB, SQS and Secrets Manager. Other groups (e.g. one a
# database admits) are added with vpc_config.security_group_ids.
resource "aws_security_group" "server" {
  count = var.vpc_config != null ? 1 : 0

  name        = "${local.name_prefix}-server"
  description = "Server functions of ${local.name_prefix}: egress only"
  vpc_id      = var.vpc_config.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_egress_rule" "server" {
  count = var.vpc_config != null ? 1 : 0

  security_group_id = aws_security_group.server[0].id
  description       = "The AWS APIs the server calls (S3, DynamoDB, SQS, Secrets Manager) and the app's own back ends"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
