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

  # function => method, for the API's methods and integrations (each on /<path> and /<path>/{proxy+}).
  routes = merge([
    for name, f in var.functions : {
      for pair in setproduct(f.methods, ["root", "proxy"]) : "${name} ${pair[0]} ${pair[1]}" => {
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
}

resource "aws_iam_role_policy" "function" {
  for_each = var.functions
  name     = "function"
  role     = aws_iam_role.function[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_cloudwatch_log_group" "function" {
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

  environment {
    variables = merge({ TABLE_NAME = local.table_name, GSI1_NAME = "GSI1", GSI2_NAME = "GSI2" }, each.value.environment)
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq[each.key].arn
  }

  tracing_config {
    mode = "Active"
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
  name              = "/aws/apigateway/${local.name_prefix}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_api_gateway_stage" "this" {
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
