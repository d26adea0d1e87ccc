variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "domain_name" {
  description = "The site's apex domain, e.g. example.com (www.<domain> redirects to it)."
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

variable "force_destroy" {
  description = "Let destroy delete the bucket with the deployed files. The example defaults to true so that it can be torn down; the module defaults to false."
  type        = bool
  default     = true
}
