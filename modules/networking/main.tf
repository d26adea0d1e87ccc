# Networking stack (changes rarely): the ALB in front of the ECS service.
#
# origin_protocol = "https" (the default): an internal ALB (no public address) in private subnets, which the
# edge stack reaches through a CloudFront VPC origin over HTTPS. Nothing on the internet can open a connection
# to it; its security group admits CloudFront's origin-facing prefix list only, and the origin secret in the
# origin-verify header stays as defence in depth (require_origin_secret).
# origin_protocol = "http": the seed's internet-facing ALB over plain HTTP, only the header secret keeping
# others out; an explicit opt-in (see the variable's description).
#
# Reads the VPC from the compute stack; publishes the ALB, its listener and target group and the origin secret.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "networking", "nextstack:environment" = var.environment })
  compute     = module.ssm_names.names["compute"]
  vpc_id      = data.nextstack_ssm_parameters.compute.values[local.compute["vpc_id"]]

  https         = var.origin_protocol == "https"
  listener_port = local.https ? 443 : 80
}

# The VPC's address range: the ALB sends only to the tasks, which are inside it.
data "aws_vpc" "this" {
  id = local.vpc_id
}

data "nextstack_ssm_parameters" "compute" {
  names = [local.compute["vpc_id"]]
}

# ------------------------------------------------------------------------------------------------ origin secret

# One random value per accepted version (uuid() draws 122 bits from crypto/rand), kept in state for as long as
# the version is listed; ignore_changes keeps the first draw. The listener rule keeps them in state anyway.
resource "terraform_data" "origin_secret" {
  for_each = toset([for v in var.origin_secret_versions : tostring(v)])
  # In triggers_replace, not input: a value from configuration keeps its sensitive mark in state, so not even the
  # plan that destroys an old version prints it (input would be copied to output, which is not marked).
  triggers_replace = sensitive(uuid())

  lifecycle {
    ignore_changes = [triggers_replace]
  }
}

locals {
  # Never shown in plans. CloudFront sends the newest; the ALB accepts every listed version.
  origin_secrets = sensitive([for v in sort(keys(terraform_data.origin_secret)) : terraform_data.origin_secret[v].triggers_replace])
  origin_secret  = sensitive(terraform_data.origin_secret[tostring(max(var.origin_secret_versions...))].triggers_replace)
}

# ------------------------------------------------------------------------------------------------ security group

# CloudFront's origin-facing servers, VPC origins included: AWS documents this managed prefix list as the way to
# admit CloudFront, and only CloudFront, in an origin's security group ("Restrict access with VPC origins",
# "Use the CloudFront managed prefix list", CloudFront Developer Guide).
data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

resource "aws_security_group" "alb" {
  name        = "${local.name_prefix}-alb"
  description = "ALB of ${local.name_prefix}: ${upper(var.origin_protocol)} from CloudFront origin-facing addresses only"
  vpc_id      = local.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_cloudfront" {
  security_group_id = aws_security_group.alb.id
  description       = "${upper(var.origin_protocol)} from CloudFront (origin-facing prefix list)"
  ip_protocol       = "tcp"
  from_port         = local.listener_port
  to_port           = local.listener_port
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

# Only to the container port, and only inside the VPC (the tasks' own security group is made later, by the
# application stack, so the VPC's range is the narrowest target known here).
resource "aws_vpc_security_group_egress_rule" "alb_targets" {
  security_group_id = aws_security_group.alb.id
  description       = "To the tasks on the container port, inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.container_port
  to_port           = var.container_port
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

# ------------------------------------------------------------------------------------------------ ALB

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:enable_deletion_protection is var.deletion_protection, true by default; only the examples turn it off so that their destroy step runs to completion
  name                       = substr("${local.name_prefix}-alb", 0, 32)
  load_balancer_type         = "application"
  internal                   = local.https # a VPC origin needs an internal ALB; http is the internet-facing seed
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout
  tags                       = local.tags

  dynamic "access_logs" {
    for_each = var.access_logs_enabled ? [1] : []
    content {
      bucket  = local.log_bucket
      prefix  = "alb"
      enabled = true
    }
  }

  # ELB checks that it may write to the bucket when logging is turned on.
  depends_on = [module.access_logs]

  lifecycle {
    precondition {
      condition     = !local.https || var.certificate_arn != null
      error_message = "The certificate_arn must be set when origin_protocol is \"https\" (the ALB's HTTPS listener needs a certificate in the ALB's region covering the site's names)."
    }
    precondition {
      condition     = local.https || var.require_origin_secret
      error_message = "The require_origin_secret must stay true when origin_protocol is \"http\": the secret is then all that keeps the internet-facing ALB to CloudFront."
    }
  }
}

resource "aws_lb_target_group" "app" {
  name                 = substr("${local.name_prefix}-app", 0, 32)
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip" # awsvpc tasks
  vpc_id               = local.vpc_id
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

# One listener, the port CloudFront uses. With https, CloudFront checks the ALB's certificate against the Host
# header it forwards (the site's name, under the AllViewer origin request policy), so certificate_arn must cover
# the site's names ("Requirements for using SSL/TLS certificates with CloudFront", CloudFront Developer Guide).
# Without the origin secret's rule, the default action forwards; with it, the default action refuses.
resource "aws_lb_listener" "origin" {
  load_balancer_arn = aws_lb.this.arn
  port              = local.listener_port
  protocol          = local.https ? "HTTPS" : "HTTP"
  certificate_arn   = local.https ? var.certificate_arn : null
  ssl_policy        = local.https ? var.ssl_policy : null

  default_action {
    type             = var.require_origin_secret ? "fixed-response" : "forward"
    target_group_arn = var.require_origin_secret ? null : aws_lb_target_group.app.arn

    dynamic "fixed_response" {
      for_each = var.require_origin_secret ? [1] : []
      content {
        content_type = "text/plain"
        message_body = "Forbidden"
        status_code  = "403"
      }
    }
  }

  tags = local.tags
}

# The listener was `http` when it could only be HTTP.
moved {
  from = aws_lb_listener.http
  to   = aws_lb_listener.origin
}

resource "aws_lb_listener_rule" "origin_verify" {
  count = var.require_origin_secret ? 1 : 0

  listener_arn = aws_lb_listener.origin.arn
  priority     = 1

  condition {
    http_header {
      http_header_name = var.origin_verify_header
      values           = local.origin_secrets
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  tags = local.tags
}

moved {
  from = aws_lb_listener_rule.origin_verify
  to   = aws_lb_listener_rule.origin_verify[0]
}

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["networking"]

  values = {
    alb_arn               = aws_lb.this.arn
    alb_dns_name          = aws_lb.this.dns_name
    alb_zone_id           = aws_lb.this.zone_id
    alb_security_group_id = aws_security_group.alb.id
    listener_arn          = aws_lb_listener.origin.arn
    target_group_arn      = aws_lb_target_group.app.arn
    container_port        = tostring(var.container_port)
    origin_verify_header  = var.origin_verify_header
  }

  secure_values = {
    origin_verify_secret = local.origin_secret
  }

  tags = local.tags
}
