# Per kept deployment m: the alias `deployment-<m>` on the version that deployment published, a Lambda target
# group with the alias as its one target, the permission for that target group to invoke that alias, and an
# HTTPS listener rule for the host `<project>-<environment>-<m>.<domain>`. Optionally a rule for
# `<project>-<environment>.<domain>` that follows the newest deployment.

resource "aws_lambda_alias" "deployment" {
  for_each = local.deployments

  name             = "deployment-${each.value}"
  function_name    = aws_lambda_function.server.function_name
  function_version = aws_lambda_function.server.version
  description      = local.alias_description[each.key]

  lifecycle {
    # An alias is made once, on the version its deployment published, and then never moves: later
    # deployments publish newer versions without touching the older aliases.
    ignore_changes = [function_version, description]

    # At plan, the current deployment's existing alias still holds the digest it was made with (the change is
    # ignored), so new code or settings under a deployment number already deployed are refused before anything
    # is changed.
    postcondition {
      condition     = each.value != local.current || self.description == local.alias_description[each.key]
      error_message = "Deployment ${each.value} already exists with other code or settings, and Lambda would publish a new version that its alias deployment-${each.value} does not point at. Increase var.deployment_number for a new deployment (or deploy the code and settings of deployment ${each.value} again)."
    }
    # And after apply: the current deployment's alias is on the function's latest published version.
    postcondition {
      condition     = each.value != local.current || self.function_version == aws_lambda_function.server.version
      error_message = "The alias deployment-${each.value} points at version ${self.function_version}, not at the function's latest published version ${aws_lambda_function.server.version}: a new version was published under var.deployment_number ${each.value}. Increase var.deployment_number."
    }
  }
}

resource "aws_lb_target_group" "deployment" {
  for_each = local.deployments

  name        = "${local.short_prefix}-${each.value}"
  target_type = "lambda"
  # ALB then sends (and expects back) multiValueHeaders and multiValueQueryStringParameters: repeated query
  # parameters and several Set-Cookie headers survive, and OpenNext's API Gateway v1 converter reads them.
  lambda_multi_value_headers_enabled = true
  tags                               = merge(local.tags, { "nextstack:deployment" = tostring(each.value) })
}

resource "aws_lambda_permission" "alb" {
  for_each = local.deployments

  statement_id  = "AllowLoadBalancer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.server.function_name
  qualifier     = aws_lambda_alias.deployment[each.key].name
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = aws_lb_target_group.deployment[each.key].arn
}

resource "aws_lb_target_group_attachment" "deployment" {
  for_each = local.deployments

  target_group_arn = aws_lb_target_group.deployment[each.key].arn
  target_id        = aws_lambda_alias.deployment[each.key].arn

  # ELB checks at registration that it may invoke the alias.
  depends_on = [aws_lambda_permission.alb]
}

resource "aws_lb_listener_rule" "deployment" {
  for_each = local.deployments

  listener_arn = aws_lb_listener.https.arn
  # Priorities are unique per listener (1-50000; 50000 is the current host's): derived from the number, so a
  # kept deployment's rule never changes.
  priority = (each.value - 1) % 49999 + 1

  # With cognito_authentication, a visitor signs in before the forward (the ALB keeps the session in a cookie).
  dynamic "action" {
    for_each = var.cognito_authentication == null ? [] : [var.cognito_authentication]
    content {
      type  = "authenticate-cognito"
      order = 1
      authenticate_cognito {
        user_pool_arn       = action.value.user_pool_arn
        user_pool_client_id = action.value.user_pool_client_id
        user_pool_domain    = action.value.user_pool_domain
        session_timeout     = action.value.session_timeout
      }
    }
  }

  action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.deployment[each.key].arn
  }

  condition {
    host_header {
      values = [local.host_of[each.key]]
    }
  }

  tags = local.tags

  # A host is served once its alias is registered.
  depends_on = [aws_lb_target_group_attachment.deployment]
}

resource "aws_lb_listener_rule" "current" {
  count = var.current_host ? 1 : 0

  listener_arn = aws_lb_listener.https.arn
  priority     = 50000

  # With cognito_authentication, a visitor signs in before the forward (the ALB keeps the session in a cookie).
  dynamic "action" {
    for_each = var.cognito_authentication == null ? [] : [var.cognito_authentication]
    content {
      type  = "authenticate-cognito"
      order = 1
      authenticate_cognito {
        user_pool_arn       = action.value.user_pool_arn
        user_pool_client_id = action.value.user_pool_client_id
        user_pool_domain    = action.value.user_pool_domain
        session_timeout     = action.value.session_timeout
      }
    }
  }

  action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.deployment[tostring(local.current)].arn
  }

  condition {
    host_header {
      values = [local.current_host]
    }
  }

  tags = local.tags

  depends_on = [aws_lb_target_group_attachment.deployment]
}
