variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "Region of this stack."
  type        = string
  default     = "eu-west-1"
}

variable "site_region" {
  description = "Region where the site stack published its parameters (the site stack runs in us-east-1)."
  type        = string
  default     = "us-east-1"
}

variable "domain_name" {
  description = "The site's apex domain, e.g. example.com; the API answers at <api_subdomain>.<domain_name>."
  type        = string
}

variable "api_subdomain" {
  description = "First label of the API's host name."
  type        = string
  default     = "api"
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

variable "vpc_id" {
  description = "VPC of the ALB and the tasks. Default: the region's default VPC."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Subnets of the ALB and the tasks. Default: every subnet of the VPC."
  type        = list(string)
  default     = null
}

variable "image_tag" {
  description = "Tag of the FastAPI image in the stack's ECR repository that the service runs."
  type        = string
  default     = "latest"
}

variable "secret_store" {
  description = "Where OPENAI_API_KEY lives: secretsmanager or ssm."
  type        = string
  default     = "secretsmanager"
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB, the image repository and the secret's recovery window. The example defaults to false so that it can be torn down; the module defaults to true."
  type        = bool
  default     = false
}
