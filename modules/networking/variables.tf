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

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing ALB, in at least two Availability Zones."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The public_subnet_ids must be at least two subnet ids (subnet-0123456789abcdef0), in different Availability Zones."
  }
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

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
