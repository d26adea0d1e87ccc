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

variable "origin_protocol" {
  description = <<-EOT
    How CloudFront reaches the ALB. `https` (default): an internal ALB with no public address, in private subnets,
    reached through a CloudFront VPC origin over HTTPS on 443 (set `certificate_arn`; the edge stack's
    `origin_protocol` must match). `http`: the seed's internet-facing ALB over plain HTTP on 80 across the internet.
    WARNING: with `http` the origin secret, cookies, form posts and responses travel unencrypted and the ALB has a
    public address; choose it only for a throw-away environment (nextstack-lint reports it).
  EOT
  type        = string
  default     = "https"

  validation {
    condition     = contains(["https", "http"], var.origin_protocol)
    error_message = "The origin_protocol must be https (VPC origin, internal ALB) or http (internet-facing ALB over plain HTTP, insecure)."
  }
}

variable "subnet_ids" {
  description = "Subnets of the ALB, in at least two Availability Zones: private subnets of a VPC that has an internet gateway (what CloudFront VPC origins require) with `origin_protocol = \"https\"`, public subnets with `http`."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The subnet_ids must be at least two subnet ids (subnet-0123456789abcdef0), in different Availability Zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate (in the ALB's region) of the HTTPS listener; required with `origin_protocol = \"https\"`. It must cover the names viewers use (the site's domain and `www.`): CloudFront forwards the viewer's Host header and checks the origin's certificate against it."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "The certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)."
  }
}

variable "ssl_policy" {
  description = "Security policy of the HTTPS listener (TLS 1.3 and 1.2 by default; CloudFront speaks TLS 1.2 to origins)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-")
    error_message = "The ssl_policy must be an ELB security policy name (ELBSecurityPolicy-...)."
  }
}

variable "require_origin_secret" {
  description = "Forward only requests carrying the origin secret (the listener refuses the rest with 403). With `https` the internal ALB is reachable only through the VPC origin, so this is defence in depth (it keeps out anything else inside the VPC); with `http` it is the only gate and must stay `true`."
  type        = bool
  default     = true
}

variable "container_port" {
  description = "Port the Next.js container listens on (the target group's port)."
  type        = number
  default     = 3000

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "The container_port must be a port number (1-65535)."
  }
}

variable "health_check_path" {
  description = "Path of the target group's health check."
  type        = string
  default     = "/api/health"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "The health_check_path must start with '/'."
  }
}

variable "origin_verify_header" {
  description = "Header CloudFront adds to every request to the ALB; the listener forwards only requests carrying the secret in it."
  type        = string
  default     = "X-CloudFront-Origin"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,64}$", var.origin_verify_header))
    error_message = "The origin_verify_header must be an HTTP header name (letters, digits and '-')."
  }
}

variable "origin_secret_versions" {
  description = <<-EOT
    Versions of the origin secret the ALB accepts; each version is its own random secret, and the highest one is
    published for CloudFront to send. Rotation without a moment of 403s: add a version ([1, 2]) and apply this
    stack, apply the edge stack (CloudFront now sends version 2), then drop the old one ([2]) and apply this stack.
  EOT
  type        = list(number)
  default     = [1]

  validation {
    condition     = length(var.origin_secret_versions) >= 1 && length(var.origin_secret_versions) <= 3 && length(distinct(var.origin_secret_versions)) == length(var.origin_secret_versions) && alltrue([for v in var.origin_secret_versions : v >= 1 && floor(v) == v])
    error_message = "The origin_secret_versions must be 1-3 distinct whole numbers >= 1, e.g. [1], or [1, 2] during a rotation."
  }
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB. Set `false` only for throw-away environments."
  type        = bool
  default     = true
}

variable "idle_timeout" {
  description = "ALB idle timeout, in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "The idle_timeout must be between 1 and 4000 seconds."
  }
}

variable "access_logs_enabled" {
  description = "ALB access logs to S3 (`access_logs_bucket`, or a bucket this module creates with an expiry). On by default: the cost is S3 storage only."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "Existing bucket for the ALB's access logs (under `alb/`); its policy must let the region's Elastic Load Balancing account write there. `null`: the module creates one."
  type        = string
  default     = null
}

variable "access_logs_retention_days" {
  description = "Days the module's log bucket keeps access logs."
  type        = number
  default     = 90

  validation {
    condition     = var.access_logs_retention_days >= 1 && floor(var.access_logs_retention_days) == var.access_logs_retention_days
    error_message = "The access_logs_retention_days must be a whole number of days, at least 1."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
