variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "name" {
  description = "Name of the service whose task is run; the function is `<name>-<environment>-migrate`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "The name must be 1-40 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster the task runs in."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]+$", var.cluster_arn))
    error_message = "The cluster_arn must be an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)."
  }
}

variable "task_definition_arn" {
  description = "ARN of the task definition revision to run (the service's current one). A new revision runs the command again on the next apply."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+:[0-9]+$", var.task_definition_arn))
    error_message = "The task_definition_arn must be an ECS task definition revision ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION)."
  }
}

variable "container_name" {
  description = "Container of the task definition whose command is overridden (and whose exit code decides)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$", var.container_name))
    error_message = "The container_name must be letters, digits, '_' and '-' (at most 255)."
  }
}

variable "command" {
  description = "Command the task runs instead of the container's own."
  type        = list(string)
  default     = ["python", "manage.py", "migrate", "--noinput"]

  validation {
    condition     = length(var.command) >= 1
    error_message = "The command must have at least one element."
  }
}

variable "subnet_ids" {
  description = "Subnets of the task: the service's private subnets (those the database admits traffic from)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The subnet_ids must be one or more subnet ids (subnet-0123456789abcdef0)."
  }
}

variable "security_group_ids" {
  description = "Security groups of the task: the service's task group, which the database admits."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1
    error_message = "The security_group_ids must name at least one security group (the service's task group)."
  }
}

variable "assign_public_ip" {
  description = "Give the task a public address (only in public subnets without a NAT gateway)."
  type        = bool
  default     = false
}

variable "pass_role_arns" {
  description = "The task definition's execution and task role ARNs: the function may pass exactly these to ECS."
  type        = list(string)

  validation {
    condition     = length(var.pass_role_arns) >= 1 && alltrue([for r in var.pass_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", r))])
    error_message = "The pass_role_arns must be one or more IAM role ARNs (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "run_on_deploy" {
  description = "Invoke the function from Terraform whenever the task definition revision (or the command) changes. `false`: a pipeline invokes it."
  type        = bool
  default     = true
}

variable "timeout" {
  description = "Seconds the function waits for the task (Lambda's limit is 900); it fails when the task has not stopped by then."
  type        = number
  default     = 900

  validation {
    condition     = var.timeout >= 60 && var.timeout <= 900
    error_message = "The timeout must be between 60 and 900 seconds."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
