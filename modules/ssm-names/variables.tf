variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`): the second segment of every parameter name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "prefix" {
  description = "First segment of every parameter name."
  type        = string
  default     = "/nextstack"

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.-]+/?$", var.prefix))
    error_message = "The prefix must be one path segment starting with '/', e.g. /nextstack."
  }
}
