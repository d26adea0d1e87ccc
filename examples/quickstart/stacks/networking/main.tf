# Networking stack (changes rarely): the application load balancer and its security group.
#
# It publishes what the edge stack needs to put CloudFront in front of the ALB, in its own region,
# eu-west-1, under /nextstack/<environment>/networking/.
#
# In a real stack the values are attributes of aws_lb / aws_security_group (hashicorp/aws); the
# quickstart uses only the nextstack provider, so it publishes the values those resources would have.

terraform {
  required_version = ">= 1.0"

  required_providers {
    nextstack = {
      source = "nextstack/nextstack"
    }
  }
}

provider "nextstack" {
  region = "eu-west-1"
}

variable "environment" {
  description = "Environment name; part of every resource and parameter name."
  type        = string
  default     = "quickstart"
}

locals {
  name = "nextstack-${var.environment}"
}

resource "nextstack_ssm_parameters" "published" {
  path_prefix = "/nextstack/${var.environment}/networking/"

  values = {
    alb_dns_name          = "${local.name}-alb-1234567890.eu-west-1.elb.amazonaws.com" # aws_lb.this.dns_name
    alb_security_group_id = "sg-0123456789abcdef0"                                     # aws_security_group.alb.id
  }

  tags = {
    stack       = "networking"
    environment = var.environment
  }
}

output "published" {
  description = "SSM parameters this stack publishes (eu-west-1)."
  value       = nextstack_ssm_parameters.published.names
}
