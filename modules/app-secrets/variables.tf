variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every secret's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "prefix" {
  description = "First part of the secrets' names: `<prefix>-<environment>/<NAME>`, e.g. the application's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.prefix))
    error_message = "The prefix must be 1-32 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "names" {
  description = "Names of the secrets, as the environment variables the application knows them by (e.g. `STRIPE_SECRET_KEY`)."
  type        = list(string)

  validation {
    condition     = alltrue([for s in var.names : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", s))]) && length(distinct(var.names)) == length(var.names)
    error_message = "The names must be distinct environment variable names (letters, digits and '_', not starting with a digit)."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key of the secrets (readers then also need kms:Decrypt on it). `null`: the AWS managed key `aws/secretsmanager`."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN."
  }
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored (0 deletes at once, so the same name can be created again right away)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "The recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags for every secret."
  type        = map(string)
  default     = {}
}
