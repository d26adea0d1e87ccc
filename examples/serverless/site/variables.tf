variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "Region of the functions, buckets, table and queue."
  type        = string
  default     = "eu-west-1"
}

variable "build_dir" {
  description = "The .open-next directory of the OpenNext build to deploy."
  type        = string
}

variable "zip_dir" {
  description = "Where the function zips are written (null: inside build_dir)."
  type        = string
  default     = null
}

variable "server_architecture" {
  description = "Architecture of the server function (null: the one its native modules were built for, else x86_64)."
  type        = string
  default     = null
}

variable "server_environment" {
  description = "Plain environment variables of the server function (the app's own settings; not secrets: they are in the state)."
  type        = map(string)
  default     = {}
}

variable "domain_name" {
  description = "The site's apex domain (null: serve at the distribution's cloudfront.net name)."
  type        = string
  default     = null
}

variable "hosted_zone_id" {
  description = "The domain's public hosted zone, in the DNS account (required with domain_name)."
  type        = string
  default     = null
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write the zone's records (null: the zone is in this account)."
  type        = string
  default     = null
}

variable "wait_for_deployment" {
  description = "Wait for CloudFront to deploy the distribution."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let destroy empty the buckets (objects written at run time, e.g. revalidated pages)."
  type        = bool
  default     = false
}
