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

variable "vpc_id" {
  description = "VPC of the container instances (and of the tasks, which run in the same subnets)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "The vpc_id must be a VPC id (vpc-0123456789abcdef0)."
  }
}

variable "subnet_ids" {
  description = "Subnets of the container instances and tasks (private subnets with a route to ECR, or public ones for a small site). At least two for high availability."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The subnet_ids must be one or more subnet ids (subnet-0123456789abcdef0)."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the container instances."
  type        = string
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "The instance_type must look like an EC2 instance type, e.g. t3.small."
  }
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter holding the ECS-optimized AMI id (AWS keeps it current)."
  type        = string
  default     = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"

  validation {
    condition     = startswith(var.ami_ssm_parameter, "/aws/service/")
    error_message = "The ami_ssm_parameter must be one of AWS's public parameters under /aws/service/."
  }
}

variable "min_size" {
  description = "Smallest number of container instances."
  type        = number
  default     = 1

  validation {
    condition     = var.min_size >= 0 && floor(var.min_size) == var.min_size
    error_message = "The min_size must be a whole number >= 0."
  }
}

variable "max_size" {
  description = "Largest number of container instances (managed scaling grows up to it)."
  type        = number
  default     = 2

  validation {
    condition     = var.max_size >= 1 && floor(var.max_size) == var.max_size
    error_message = "The max_size must be a whole number >= 1."
  }
}

variable "target_capacity" {
  description = "Managed scaling's target utilisation of the instances, in percent."
  type        = number
  default     = 100

  validation {
    condition     = var.target_capacity >= 1 && var.target_capacity <= 100
    error_message = "The target_capacity must be between 1 and 100."
  }
}

variable "root_volume_size" {
  description = "Size of each instance's encrypted root volume, in GiB."
  type        = number
  default     = 30

  validation {
    condition     = var.root_volume_size >= 30
    error_message = "The root_volume_size must be at least 30 GiB (the ECS-optimized AMI's snapshot size)."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights on the cluster."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
