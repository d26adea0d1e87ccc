# API stack (changes weekly): an API Gateway REST API in front of the site's Lambda functions, each with
# its own log group, dead-letter queue, reserved concurrency and Errors alarm, and a REGIONAL WAF on the
# stage, since the execute-api endpoint is reachable without CloudFront.
# Reads the table from the data stack; publishes the API under /nextstack/<environment>/api/.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "api", "nextstack:environment" = var.environment })
  data        = module.ssm_names.names["data"]
  table_name  = data.nextstack_ssm_parameters.data.values[local.data["dynamodb_table_name"]]
  table_arn   = data.nextstack_ssm_parameters.data.values[local.data["dynamodb_table_arn"]]

  # With CORS on, each function also answers the browser's preflight (OPTIONS) on its resources, unless ANY already
  # sends every method to it.
  cors    = length(var.cors_allow_origins) > 0
  methods = { for name, f in var.functions : name => local.cors && !contains(f.methods, "ANY") ? distinct(concat(f.methods, ["OPTIONS"])) : f.methods }

  # The contact form's mail (var.contact_notification): the function that sends it, and the SES identities its sender
  # may be verified as, the address itself or its domain: SendEmail is authorised on the `identity` resource the From
  # address belongs to, and `ses:FromAddress` conditions it ("Actions, resources, and condition keys for Amazon Simple
  # Email Service - SES v2", Service Authorization Reference).
  notify          = var.contact_notification
  notify_function = local.notify == null ? null : local.notify.function
  notify_identity_arns = local.notify == null ? [] : [
    for id in [local.notify.from, split("@", local.notify.from)[1]] :
    "arn:${data.aws_partition.current.partition}:ses:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:identity/${id}"
  ]

  # function => method, for the API's methods and integrations (each on /<path> and /<path>/{proxy+}).
  routes = merge([
    for name, f in var.functions : {
      for pair in setproduct(local.methods[name], ["root", "proxy"]) : "${name} ${pair[0]} ${pair[1]}" => {
        function = name
        method   = pair[0]
        resource = pair[1]
      }
    }
  ]...)
}

data "nextstack_ssm_parameters" "data" {
  names = [local.data["dynamodb_table_name"], local.data["dynamodb_table_arn"]]
}

# ------------------------------------------------------------------------------------------------ functions

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each           = var.functions
  name               = "${local.name_prefix}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "function" {
  for_each = var.functions

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
  statement {
    sid       = "DeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq[each.key].arn]
  }
  statement {
    sid = "Table"
    actions = concat(
      ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
      each.value.table_access == "write" ? ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] : [],
    )
    resources = [local.table_arn, "${local.table_arn}/index/*"]
  }
  # Only the notifying function, only its sender's identity, only with that From address.
  dynamic "statement" {
    for_each = each.key == local.notify_function ? [local.notify] : []
    content {
      sid       = "SendNotification"
      actions   = ["ses:SendEmail"]
      resources = local.notify_identity_arns
      condition {
        test     = "StringEquals"
        variable = "ses:FromAddress"
        values   = [statement.value.from]
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = var.functions
  name     = "function"
  role     = aws_iam_role.function[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold the functions' own log lines, no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  for_each          = var.functions
  name              = "/aws/lambda/${local.name_prefix}-${each.key}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_sqs_queue" "dlq" {
  for_each                  = var.functions
  name                      = "${local.name_prefix}-${each.key}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions reach only DynamoDB, SQS and CloudWatch through IAM-authorised AWS APIs and nothing inside a VPC; VPC placement would need a NAT gateway or endpoints and isolate nothing
  #checkov:skip=CKV_AWS_173:Lambda encrypts environment variables at rest with its AWS-managed key; these hold the table and index names and the caller's plain settings (secrets belong in Secrets Manager, read at run time), no secret values, so a customer key would protect nothing more
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed zips; the caller's zip (functions[*].filename) is uploaded by this Terraform run, and IAM on lambda:UpdateFunctionCode decides who else may change it
  for_each                       = var.functions
  function_name                  = "${local.name_prefix}-${each.key}"
  role                           = aws_iam_role.function[each.key].arn
  runtime                        = each.value.runtime
  handler                        = each.value.handler
  filename                       = each.value.filename
  source_code_hash               = filebase64sha256(each.value.filename)
  memory_size                    = each.value.memory_size
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.reserved_concurrency

  # CORS_ALLOW_ORIGINS and CORS_ALLOW_METHODS only with CORS on: with a Lambda proxy integration the function itself
  # returns the Access-Control-* headers ("Enabling CORS for a REST API resource", API Gateway Developer Guide).
  environment {
    variables = merge(
      { TABLE_NAME = local.table_name, GSI1_NAME = "GSI1", GSI2_NAME = "GSI2" },
      local.cors ? { CORS_ALLOW_ORIGINS = join(",", var.cors_allow_origins), CORS_ALLOW_METHODS = join(", ", local.methods[each.key]) } : {},
      each.key == local.notify_function ? { NOTIFICATION_FROM = local.notify.from, NOTIFICATION_TO = join(",", local.notify.to) } : {},
      each.value.environment,
    )
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq[each.key].arn
  }

  tracing_config {
    mode = "Active"
  }

  lifecycle {
    precondition {
      condition     = local.notify_function == null || contains(keys(var.functions), coalesce(local.notify_function, "-"))
      error_message = "The contact_notification.function must be a key of var.functions (${join(", ", keys(var.functions))})."
    }
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
  tags       = local.tags
}

# ------------------------------------------------------------------------------------------------ alarms

# Encrypted with a key CloudWatch may use (alarm_key.tf), not alias/aws/sns, which CloudWatch cannot publish to.
resource "aws_sns_topic" "alarms" {
  name              = local.alarm_topic_name
  kms_master_key_id = local.alarm_topic_key
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each            = var.functions
  alarm_name          = "${local.name_prefix}-${each.key}-errors"
  alarm_description   = "The ${each.key} function returned errors."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}

# ------------------------------------------------------------------------------------------------ REST API

resource "aws_api_gateway_rest_api" "this" {
  #checkov:skip=CKV_AWS_237:The REST API's arguments here (name, description, endpoint type) update in place, so it is never replaced; the deployment, which is replaced on every route change, has create_before_destroy
  name        = local.name_prefix
  description = "API of ${local.name_prefix}"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = local.tags
}

resource "aws_api_gateway_resource" "root" {
  for_each    = var.functions
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.value.path
}

resource "aws_api_gateway_resource" "proxy" {
  for_each    = var.functions
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.root[each.key].id
  path_part   = "{proxy+}"
}

locals {
  resource_ids = {
    root  = { for k, r in aws_api_gateway_resource.root : k => r.id }
    proxy = { for k, r in aws_api_gateway_resource.proxy : k => r.id }
  }
}

resource "aws_api_gateway_method" "this" {
  #checkov:skip=CKV_AWS_59:The site's public API: visitors call it anonymously from the pages (articles, portfolio, the contact form); the regional WAF's rate limit and managed rules and each function's reserved concurrency bound the abuse
  #checkov:skip=CKV2_AWS_53:Lambda proxy integrations on {proxy+} routes: the functions parse and validate each request themselves, and API Gateway request validation needs a model per route that a proxy route does not have
  for_each      = local.routes
  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = local.resource_ids[each.value.resource][each.value.function]
  http_method   = each.value.method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "this" {
  for_each                = local.routes
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.this[each.key].resource_id
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.this[each.value.function].invoke_arn
}

resource "aws_lambda_permission" "api" {
  for_each      = var.functions
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/*"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # A new deployment whenever a route or its integration changes.
  triggers = {
    routes = sha1(jsonencode([for k in sort(keys(local.routes)) : [k, aws_api_gateway_integration.this[k].uri]]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.this]
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold one access line per request (id, client IP, method, path, status, latency, WAF result), no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  name              = "/aws/apigateway/${local.name_prefix}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV2_AWS_4:The stage writes an access log line per request (JSON, with the WAF result); execution logging (logging_level) is API Gateway's debugging trace, billed per line and turned on while debugging, not by default
  #checkov:skip=CKV2_AWS_51:Scanner mistake: a stage client certificate is what API Gateway presents to an HTTP backend; every integration here is a Lambda proxy, invoked through IAM, so there is no backend to authenticate to
  #checkov:skip=CKV_AWS_120:Responses are computed per request by Lambda (the contact form posts, content reads that CloudFront may cache); a stage cache is billed per hour and would need per-route keys to avoid serving one caller's answer to another
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      ip             = "$context.identity.sourceIp"
      requestTime    = "$context.requestTime"
      httpMethod     = "$context.httpMethod"
      resourcePath   = "$context.resourcePath"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latency        = "$context.responseLatency"
      wafResponse    = "$context.waf.status"
    })
  }

  depends_on = [aws_api_gateway_account.this]
  tags       = local.tags
}

# API Gateway writes access logs through one role per account and region.
data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logs" {
  count              = var.manage_account_logging_role ? 1 : 0
  name               = "${local.name_prefix}-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "apigateway_logs" {
  count      = var.manage_account_logging_role ? 1 : 0
  role       = aws_iam_role.apigateway_logs[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count               = var.manage_account_logging_role ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.apigateway_logs[0].arn
}

# ------------------------------------------------------------------------------------------------ WAF

module "waf" {
  source = "../waf"

  name                = "${local.name_prefix}-api"
  description         = "Rate limit and AWS managed rules for the API stage"
  scope               = "REGIONAL"
  rate_limit          = var.rate_limit
  managed_rule_groups = var.managed_rule_groups
  tags                = local.tags
}

# The web ACL was this module's own resource before modules/waf.
moved {
  from = aws_wafv2_web_acl.api
  to   = module.waf.aws_wafv2_web_acl.this
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = module.waf.arn
}

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["api"]

  values = {
    rest_api_id     = aws_api_gateway_rest_api.this.id
    stage_name      = aws_api_gateway_stage.this.stage_name
    invoke_domain   = "${aws_api_gateway_rest_api.this.id}.execute-api.${data.aws_region.current.name}.${data.aws_partition.current.dns_suffix}"
    web_acl_arn     = module.waf.arn
    alarm_topic_arn = aws_sns_topic.alarms.arn
  }

  tags = local.tags
}
