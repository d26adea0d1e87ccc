variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "Region of this stack (every stack but edge shares it)."
  type        = string
  default     = "eu-west-1"
}

variable "protect_from_deletion" {
  description = "Deletion protection on the table; no force-delete of a non-empty repository or bucket. The example defaults to false so that run.sh can destroy it."
  type        = bool
  default     = false
}
