# The internet-facing ALB in the public subnets: HTTPS on 443 with the wildcard certificate (a host no kept
# deployment answers gets a 404 from the listener itself), 80 redirecting to HTTPS, and `*.<domain>` aliased to
# it in the domain's zone (usually in the DNS account).

resource "aws_security_group" "alb" {
  name        = "${local.name_prefix}-alb"
  description = "ALB of ${local.name_prefix}: HTTP and HTTPS from the allowed networks; it invokes Lambda through the API, so no egress"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    # Previews are private by default: the whole internet is a choice the caller states.
    precondition {
      condition     = var.allow_public_access || alltrue([for c in var.allowed_cidr_blocks : tonumber(split("/", c)[1]) > 0])
      error_message = "The allowed_cidr_blocks contain a block open to every address (${join(", ", [for c in var.allowed_cidr_blocks : c if tonumber(split("/", c)[1]) == 0])}): previews would be public. Limit them to your networks, or set allow_public_access = true (with cognito_authentication or web_acl_arn unless they hold nothing private)."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = { for pair in setproduct([80, 443], var.allowed_cidr_blocks) : "${pair[0]} ${pair[1]}" => pair }

  security_group_id = aws_security_group.alb.id
  description       = each.value[0] == 80 ? "HTTP (redirected to HTTPS)" : "HTTPS"
  ip_protocol       = "tcp"
  from_port         = each.value[0]
  to_port           = each.value[0]
  cidr_ipv4         = each.value[1]
}

resource "nextstack_acm_certificate" "wildcard" {
  domain_name = "*.${var.domain_name}"
  region      = local.region # the ALB's region

  validation {
    hosted_zone_id = var.hosted_zone_id
    role_arn       = var.dns_role_arn
    external_id    = var.dns_external_id
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:enable_deletion_protection is var.deletion_protection, true by default; only the examples turn it off so that their destroy step runs to completion
  #checkov:skip=CKV2_AWS_76:Previews are private by default: the ALB admits only allowed_cidr_blocks, optionally behind a Cognito sign-in; web_acl_arn attaches the caller's own web ACL, whose rule groups (KnownBadInputs for Log4j) the caller chooses
  # The ALB appends the address it saw to X-Forwarded-For (`append`, its default processing mode): the function
  # takes the client's address from the last entry, the one a client cannot forge (opennext/alb-converter.ts).
  name                       = "${local.short_prefix}-alb"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.timeout + 5 # the function's timeout decides how long a request may take
  tags                       = local.tags

  dynamic "access_logs" {
    for_each = var.access_logs_enabled ? [1] : []
    content {
      bucket  = local.access_logs_bucket
      prefix  = "alb"
      enabled = true
    }
  }

  # ELB checks that it may write to the bucket when logging is turned on.
  depends_on = [module.access_logs]
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = nextstack_acm_certificate.wildcard.arn

  # Only the hosts of kept deployments (and the current host) are forwarded, by the rules in deployments.tf.
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "No deployment is served at this address."
      status_code  = "404"
    }
  }

  tags = local.tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = local.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.web_acl_arn == null ? 0 : 1

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}

resource "nextstack_dns_alias" "wildcard" {
  hosted_zone_id = var.hosted_zone_id
  role_arn       = var.dns_role_arn
  external_id    = var.dns_external_id
  names          = ["*.${var.domain_name}"]

  target {
    dns_name       = aws_lb.this.dns_name
    hosted_zone_id = aws_lb.this.zone_id
  }
}
