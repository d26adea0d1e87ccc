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
  description = "VPC of the container instances. Default (null): a VPC of this stack's own (modules/vpc). A VPC given here needs an internet gateway and private subnets for the internal ALB (CloudFront VPC origins)."
  type        = string
  default     = null
}

variable "vpc_cidr_block" {
  description = "Address range of the VPC this stack creates when `vpc_id` is null."
  type        = string
  default     = "10.40.0.0/16"
}

variable "subnet_ids" {
  description = "Subnets of the container instances and tasks (private ones). Default: the private subnets of the VPC this stack creates, or every subnet of `vpc_id`."
  type        = list(string)
  default     = null
}
