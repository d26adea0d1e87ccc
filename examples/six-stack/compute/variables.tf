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

variable "vpc_id" {
  description = "VPC of the container instances. Default: the region's default VPC."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Subnets of the container instances and tasks. Default: every subnet of the VPC."
  type        = list(string)
  default     = null
}
