# Networking stack (changes rarely): the ALB in front of the ECS service. Only CloudFront may reach it
# (security group on CloudFront's origin-facing prefix list), and only requests carrying the origin secret
# in the origin-verify header are forwarded; everything else gets a 403 from the listener.
# Reads the VPC from the compute stack; publishes the ALB, its target group and the origin secret.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "networking", "nextstack:environment" = var.environment })
  compute     = module.ssm_names.names["compute"]
  vpc_id      = data.nextstack_ssm_parameters.compute.values[local.compute["vpc_id"]]
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

data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

resource "aws_security_group" "alb" {
  name        = "${local.name_prefix}-alb"
  description = "ALB of ${local.name_prefix}: HTTP from CloudFront origin-facing addresses only"
  vpc_id      = local.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_cloudfront" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from CloudFront (origin-facing prefix list)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_vpc_security_group_egress_rule" "alb_targets" {
  security_group_id = aws_security_group.alb.id
  description       = "To the tasks on the container port"
  ip_protocol       = "tcp"
  from_port         = var.container_port
  to_port           = var.container_port
  cidr_ipv4         = "0.0.0.0/0"
}

# ------------------------------------------------------------------------------------------------ ALB

resource "aws_lb" "this" {
  name                       = substr("${local.name_prefix}-alb", 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout
  tags                       = local.tags
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

# CloudFront talks HTTP to the ALB (its DNS name does not match the site's certificate); the header
# check below is what keeps anyone else out.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }

  tags = local.tags
}

resource "aws_lb_listener_rule" "origin_verify" {
  listener_arn = aws_lb_listener.http.arn
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

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["networking"]

  values = {
    alb_arn               = aws_lb.this.arn
    alb_dns_name          = aws_lb.this.dns_name
    alb_zone_id           = aws_lb.this.zone_id
    alb_security_group_id = aws_security_group.alb.id
    listener_arn          = aws_lb_listener.http.arn
    target_group_arn      = aws_lb_target_group.app.arn
    container_port        = tostring(var.container_port)
    origin_verify_header  = var.origin_verify_header
  }

  secure_values = {
    origin_verify_secret = local.origin_secret
  }

  tags = local.tags
}
