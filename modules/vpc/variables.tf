variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "name" {
  description = "Name of the network; resources are named `<name>-<environment>-...`."
  type        = string
  default     = "vpc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "The name must be 1-24 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "cidr_block" {
  description = "IPv4 range of the VPC."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && !can(regex(":", var.cidr_block))
    error_message = "The cidr_block must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC's prefix for each subnet (4: /20 subnets of a /16). Three tiers of `az_count` subnets must fit."
  type        = number
  default     = 4

  validation {
    condition     = var.subnet_newbits >= 1 && var.subnet_newbits <= 12 && floor(var.subnet_newbits) == var.subnet_newbits
    error_message = "The subnet_newbits must be a whole number from 1 to 12."
  }
}

variable "az_count" {
  description = "Availability Zones the subnets span (one subnet per tier and zone). RDS subnet groups and ALBs need at least two."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "The az_count must be a whole number from 2 to 6."
  }
}

variable "nat_gateway" {
  description = "NAT gateways of the private subnets: `single` (one, in the first zone), `per_az` (one per zone: survives a zone failure) or `none` (the private subnets then reach only the VPC and its endpoints)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["single", "per_az", "none"], var.nat_gateway)
    error_message = "The nat_gateway must be single, per_az or none."
  }
}

variable "flow_logs_enabled" {
  description = "VPC flow logs (all traffic) to S3 (`flow_logs_bucket_arn`, or a bucket this module creates with an expiry). On by default: S3 is the cheapest flow-log destination."
  type        = bool
  default     = true
}

variable "flow_logs_bucket_arn" {
  description = "ARN of an existing bucket for the flow logs; its policy must let `delivery.logs.amazonaws.com` write under `AWSLogs/<account>/`. `null`: the module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.flow_logs_bucket_arn == null || can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.flow_logs_bucket_arn))
    error_message = "The flow_logs_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::BUCKET)."
  }
}

variable "flow_logs_retention_days" {
  description = "Days the module's flow-log bucket keeps the logs."
  type        = number
  default     = 90

  validation {
    condition     = var.flow_logs_retention_days >= 1 && floor(var.flow_logs_retention_days) == var.flow_logs_retention_days
    error_message = "The flow_logs_retention_days must be a whole number of days, at least 1."
  }
}

variable "flow_logs_force_destroy" {
  description = "Let a destroy delete the module's flow-log bucket with the logs in it (throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
