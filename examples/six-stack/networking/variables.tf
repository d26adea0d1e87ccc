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

variable "public_subnet_ids" {
  description = "Public subnets of the ALB. Default: every subnet of the VPC the compute stack published."
  type        = list(string)
  default     = null
}

variable "origin_secret_versions" {
  description = "Versions of the origin secret the ALB accepts (the newest is sent by CloudFront); see the module's rotation steps."
  type        = list(number)
  default     = [1]
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB. The example defaults to false so that run.sh can destroy it."
  type        = bool
  default     = false
}
