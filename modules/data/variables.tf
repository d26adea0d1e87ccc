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

variable "image_tag_mutability" {
  description = "ECR tag mutability. `IMMUTABLE` (default): a pushed tag can never be moved to another image, so every build pushes a tag of its own (the application stack's auto-deploy deploys each new tag by digest). `MUTABLE` lets anyone who can push re-point a tag (e.g. `latest`) at another image; avoid it where a push deploys."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)
    error_message = "The image_tag_mutability must be MUTABLE or IMMUTABLE."
  }
}

variable "image_retention_count" {
  description = "How many images the ECR lifecycle policy keeps; older ones are expired."
  type        = number
  default     = 30

  validation {
    condition     = var.image_retention_count >= 1 && var.image_retention_count <= 1000 && floor(var.image_retention_count) == var.image_retention_count
    error_message = "The image_retention_count must be a whole number between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the repository, table and bucket. Default `null`: AWS-owned/managed keys (AES256 for S3, so CloudFront's origin access control can read the assets without a key policy)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "protect_from_deletion" {
  description = "Deletion protection for the table, and no force-delete of a repository or bucket that still holds images or objects. Set `false` only for throw-away environments."
  type        = bool
  default     = true
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted asset is kept as a noncurrent version (the rollback window) before S3 expires it."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "The noncurrent_version_expiration_days must be a whole number >= 1."
  }
}

variable "cloudfront_distribution_arns" {
  description = "CloudFront distributions allowed to read the assets bucket through origin access control. Default `[]`: any distribution of this account (the edge stack is applied after this one, so its ARN is not known yet); narrow it once the distribution exists."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.cloudfront_distribution_arns : can(regex("^arn:aws[a-z-]*:cloudfront::[0-9]{12}:distribution/[A-Z0-9]+$", arn))])
    error_message = "Each cloudfront_distribution_arns entry must be a distribution ARN (arn:aws:cloudfront::ACCOUNT:distribution/ID)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "s3_access_logs_enabled" {
  description = "S3 server access logs of the assets bucket to `s3_access_logs_bucket`, or to an S3 bucket this module makes with an expiry (modules/log-bucket). On by default: the cost is the S3 storage of the logs."
  type        = bool
  default     = true
}

variable "s3_access_logs_bucket" {
  description = "Name of an existing bucket for the S3 server access logs, in the same region and account as the assets bucket; SSE-S3, not SSE-KMS, and a policy letting `logging.s3.amazonaws.com` put objects under `<s3_access_logs_prefix>assets/`. `null`: the module makes one."
  type        = string
  default     = null

  validation {
    condition     = var.s3_access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_access_logs_bucket))
    error_message = "The s3_access_logs_bucket must be an S3 bucket name (3 to 63 lower-case letters, digits, dots or hyphens), not an ARN."
  }
}

variable "s3_access_logs_prefix" {
  description = "Start of the log objects' keys in the log bucket; each bucket's logs go under `<prefix>assets/`."
  type        = string
  default     = "s3-access/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)*$", var.s3_access_logs_prefix))
    error_message = "The s3_access_logs_prefix must be empty or path segments each ending in a slash (e.g. \"s3-access/\")."
  }
}

variable "s3_access_logs_retention_days" {
  description = "Days the module's S3 access-log bucket keeps the logs."
  type        = number
  default     = 90

  validation {
    condition     = var.s3_access_logs_retention_days >= 1 && floor(var.s3_access_logs_retention_days) == var.s3_access_logs_retention_days
    error_message = "The s3_access_logs_retention_days must be a whole number of days, at least 1."
  }
}
