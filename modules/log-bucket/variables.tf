variable "name_prefix" {
  description = "Start of the bucket's name (S3 appends a unique suffix): lower-case letters, digits and hyphens, at most 37 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,36}$", var.name_prefix))
    error_message = "The name_prefix must be 1 to 37 lower-case letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "writers" {
  description = "Who may write logs, one policy statement each: `principal` (`{ type = \"Service\" | \"AWS\", identifiers = [...] }`), the `key_prefix` its objects go under (e.g. `alb/AWSLogs/<account>/`), the `source_account` / `source_arns` conditions (aws:SourceAccount, aws:SourceArn with ArnLike; `null` / `[]` for none), which every service principal should have, and `bucket_acl_check`, to also grant s3:GetBucketAcl on the bucket (VPC flow-log delivery checks it). S3 server access logs: principal `logging.s3.amazonaws.com`, `source_arns` the source buckets' ARNs."
  # Every attribute is required (no optional()): Terraform 1.0 then still parses the modules that call this one
  # and refuses them with the version they need rather than an "experimental feature" error.
  type = list(object({
    sid              = string
    principal        = object({ type = string, identifiers = list(string) })
    key_prefix       = string
    source_account   = string
    source_arns      = list(string)
    bucket_acl_check = bool
  }))

  validation {
    condition     = length(var.writers) > 0 && alltrue([for w in var.writers : contains(["Service", "AWS"], w.principal.type) && length(w.principal.identifiers) > 0])
    error_message = "The writers must name at least one writer, each with principal.type Service or AWS and at least one identifier."
  }

  validation {
    condition     = alltrue([for w in var.writers : can(regex("^[A-Za-z0-9]+$", w.sid)) && w.source_arns != null && w.bucket_acl_check != null])
    error_message = "Each writer needs a sid of letters and digits, source_arns (a list, [] for none) and bucket_acl_check (true or false)."
  }
}

variable "retention_days" {
  description = "Days a log object is kept before S3 expires it."
  type        = number
  default     = 90

  validation {
    condition     = var.retention_days >= 1 && floor(var.retention_days) == var.retention_days
    error_message = "The retention_days must be a whole number of days, at least 1."
  }
}

variable "force_destroy" {
  description = "Let a destroy delete the bucket with the logs in it (throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket."
  type        = map(string)
  default     = {}
}
