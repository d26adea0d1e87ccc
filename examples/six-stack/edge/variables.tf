variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "origin_region" {
  description = "Region of the other five stacks."
  type        = string
  default     = "eu-west-1"
}

variable "domain_name" {
  description = "The site's apex domain, e.g. example.com."
  type        = string
}

variable "hosted_zone_id" {
  description = "The domain's public hosted zone, in the DNS account."
  type        = string
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write the zone's records (null: the zone is in this account)."
  type        = string
  default     = null
}

variable "origin_protocol" {
  description = "How CloudFront reaches the ALB; the networking stack's origin_protocol (https: VPC origin; http: plain HTTP, insecure)."
  type        = string
  default     = "https"
}
