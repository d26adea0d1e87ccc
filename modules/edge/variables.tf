variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every resource and SSM parameter name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "name" {
  description = "Name of the application; resources are named `<name>-<environment>-...`."
  type        = string
  default     = "nextjs"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "The name must be 1-24 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "domain_name" {
  description = "The site's apex domain, e.g. `example.com` (no final dot). The certificate covers it and `www.<domain_name>`."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name)) && length(var.domain_name) <= 253
    error_message = "The domain_name must be a lower-case DNS name such as example.com (letters, digits, '-', dots; no final dot, no wildcard)."
  }
}

variable "include_www" {
  description = "Also serve, certify and alias `www.<domain_name>`."
  type        = bool
  default     = true
}

variable "hosted_zone_id" {
  description = "Public Route53 hosted zone of `domain_name`, usually in the DNS (organisation root) account: the validation records and the aliases are written there."
  type        = string

  validation {
    condition     = can(regex("^[A-Z0-9]{1,32}$", var.hosted_zone_id))
    error_message = "The hosted_zone_id must be a Route53 hosted zone id (up to 32 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ), without the /hostedzone/ prefix."
  }
}

variable "dns_role_arn" {
  description = "Role in the zone's account that may write CNAME, A and AAAA records there. `null`: the zone is in this account."
  type        = string
  default     = null

  validation {
    condition     = var.dns_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.dns_role_arn))
    error_message = "The dns_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "dns_external_id" {
  description = "External ID the DNS role's trust policy requires, if any."
  type        = string
  default     = null
  sensitive   = true
}

variable "origin_region" {
  description = "Region of the data and networking stacks (where their SSM parameters, the ALB and the bucket are)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.origin_region))
    error_message = "The origin_region must be an AWS region name such as eu-west-1."
  }
}

variable "origin_protocol" {
  description = <<-EOT
    How CloudFront reaches the networking stack's ALB; must match that stack's `origin_protocol`. `https` (default):
    through a CloudFront VPC origin (created here) to the internal ALB, over HTTPS. `http`: to the internet-facing
    ALB over plain HTTP. WARNING: with `http` the origin secret, cookies, form posts and responses cross the internet
    unencrypted; only for a throw-away environment (nextstack-lint reports it).
  EOT
  type        = string
  default     = "https"

  validation {
    condition     = contains(["https", "http"], var.origin_protocol)
    error_message = "The origin_protocol must be https (VPC origin, internal ALB) or http (internet-facing ALB over plain HTTP, insecure)."
  }
}

variable "behaviors" {
  description = <<-EOT
    CloudFront behaviours in order (the seed's routing table, plus next/image, by default): `origin` is `assets` (the
    S3 bucket through origin access control) or `app` (the ALB, see `origin_protocol`); `cache` is `immutable`
    (CachingOptimized: content-hashed files), `origin` (honour the origin's Cache-Control, with query strings: ISR
    data in the bucket), `next` (the origin's Cache-Control, keyed on the headers Next.js varies a page on: HTML or
    RSC payload), `image` (the origin's Cache-Control, keyed on Accept and the query string: next/image) or
    `disabled` (CachingDisabled). The default behaviour (`*`) always goes to `app` with `next` caching.
  EOT
  type = list(object({
    path_pattern = string
    origin       = string
    cache        = string
  }))
  default = [
    { path_pattern = "/_next/static/*", origin = "assets", cache = "immutable" },
    { path_pattern = "/_next/data/*", origin = "assets", cache = "origin" },
    { path_pattern = "/_next/image*", origin = "app", cache = "image" },
    { path_pattern = "/images/*", origin = "assets", cache = "immutable" },
    { path_pattern = "/api/*", origin = "app", cache = "disabled" },
  ]

  validation {
    condition     = alltrue([for b in var.behaviors : contains(["assets", "app"], b.origin) && contains(["immutable", "origin", "next", "image", "disabled"], b.cache)])
    error_message = "Each behavior's origin must be assets or app, and its cache immutable, origin, next, image or disabled."
  }
  validation {
    condition     = length(var.behaviors) <= 24
    error_message = "At most 24 behaviours (CloudFront's default quota is 25 per distribution, the default behaviour included)."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "The price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "rate_limit" {
  description = "Requests per 5 minutes from one IP address before the CloudFront WAF blocks it."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000
    error_message = "The rate_limit must be between 10 and 2,000,000,000 (WAF's limits)."
  }
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups of the CloudFront WAF, in priority order."
  type        = list(string)
  default     = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]
}

variable "access_logs_enabled" {
  description = "CloudFront access logs (standard logging v2) to `access_logs_destination_arn`, or to an S3 bucket this module creates with an expiry. On by default: billed per GB of logs, small next to the traffic."
  type        = bool
  default     = true
}

variable "access_logs_destination_arn" {
  description = "Existing destination of the access logs: an S3 bucket (its policy must let `delivery.logs.amazonaws.com` write), a CloudWatch log group or a Firehose stream. `null`: the module creates a bucket in us-east-1."
  type        = string
  default     = null

  validation {
    condition     = var.access_logs_destination_arn == null || can(regex("^arn:aws[a-z-]*:(s3|logs|firehose):", var.access_logs_destination_arn))
    error_message = "The access_logs_destination_arn must be the ARN of an S3 bucket, a CloudWatch log group or a Firehose stream."
  }
}

variable "access_logs_retention_days" {
  description = "Days the module's access-log bucket keeps the logs."
  type        = number
  default     = 90

  validation {
    condition     = var.access_logs_retention_days >= 1 && floor(var.access_logs_retention_days) == var.access_logs_retention_days
    error_message = "The access_logs_retention_days must be a whole number of days, at least 1."
  }
}

variable "access_logs_force_destroy" {
  description = "Let a destroy delete the module's access-log bucket with the logs in it (throw-away environments)."
  type        = bool
  default     = false
}

variable "wait_for_deployment" {
  description = "Wait until CloudFront has deployed the distribution (several minutes on AWS)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
