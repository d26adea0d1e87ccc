variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "name" {
  description = "Name of the database; resources are named `<name>-<environment>...`."
  type        = string
  default     = "db"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "The name must be 2-32 characters of lower-case letters, digits and '-', starting with a letter and not ending with '-'."
  }
}

variable "vpc_id" {
  description = "VPC of the database's security group."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "The vpc_id must be a VPC id (vpc-0123456789abcdef0)."
  }
}

variable "subnet_ids" {
  description = "Subnets of the DB subnet group, in at least two Availability Zones: isolated subnets (no route out of the VPC)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The subnet_ids must be at least two subnet ids (subnet-0123456789abcdef0), in different Availability Zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Who may connect: a label (shown in the rule's description) => a security group id, e.g. `{ django = module.django.task_security_group_id }`. Port 5432 is admitted from these groups only; CIDR ranges are deliberately not accepted."
  type        = map(string)

  validation {
    condition     = length(var.allowed_security_group_ids) >= 1
    error_message = "The allowed_security_group_ids must name at least one security group: a database nothing may reach is useless."
  }
  validation {
    # Values may be unknown at plan (groups created in the same run): contains() finds a known bad one even
    # then, where alltrue() would give up at the first unknown value.
    condition     = !contains([for id in values(var.allowed_security_group_ids) : can(regex("^sg-[0-9a-f]{8,17}$", id))], false)
    error_message = "The allowed_security_group_ids values must be security group ids (sg-0123456789abcdef0), not CIDR blocks: the database admits members of security groups only."
  }
  validation {
    condition     = alltrue([for k in keys(var.allowed_security_group_ids) : can(regex("^[A-Za-z0-9 ._-]{1,64}$", k))])
    error_message = "The allowed_security_group_ids keys must be short labels (letters, digits, space, '.', '_', '-')."
  }
}

variable "engine_version" {
  description = "PostgreSQL version (major or major.minor); its major version names the parameter group family."
  type        = string
  default     = "16.4"

  validation {
    condition     = can(regex("^(1[3-9]|[2-9][0-9])(\\.[0-9]+)?$", var.engine_version))
    error_message = "The engine_version must be a PostgreSQL version of 13 or later, e.g. 16.4."
  }
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "The instance_class must be an RDS instance class such as db.t4g.micro."
  }
}

variable "allocated_storage" {
  description = "Storage (GiB) the instance starts with."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536
    error_message = "The allocated_storage must be between 20 and 65536 GiB (gp3)."
  }
}

variable "max_allocated_storage" {
  description = "Ceiling (GiB) of storage autoscaling; 0 turns autoscaling off."
  type        = number
  default     = 100

  validation {
    condition     = var.max_allocated_storage == 0 || (var.max_allocated_storage >= 20 && var.max_allocated_storage <= 65536)
    error_message = "The max_allocated_storage must be 0 or between 20 and 65536 GiB."
  }
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "The db_name must be 1-63 lower-case letters, digits and '_', starting with a letter."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin"], var.master_username)
    error_message = "The master_username must be 1-63 lower-case letters, digits and '_', starting with a letter, and not a reserved name (postgres, rdsadmin, admin)."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key of the storage and of the master user secret. `null`: the AWS managed keys (`aws/rds`, `aws/secretsmanager`)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN."
  }
}

variable "multi_az" {
  description = "A standby in a second zone (about twice the instance cost; failover in a minute or two)."
  type        = bool
  default     = false
}

variable "log_exports" {
  description = <<-EOT
    PostgreSQL logs RDS publishes to CloudWatch Logs, in log groups this module creates with `log_retention_days`:
    `postgresql` (errors with the failing statement, failed logins, slow statements when `log_min_duration_statement`
    is set) and `upgrade` (engine upgrades). `[]`: none, the logs stay on the instance for its own short retention.
  EOT
  type        = list(string)
  default     = ["postgresql", "upgrade"]

  validation {
    condition     = length(var.log_exports) == length(distinct(var.log_exports)) && alltrue([for l in var.log_exports : contains(["postgresql", "upgrade"], l)])
    error_message = "The log_exports must be distinct names from: postgresql, upgrade."
  }
}

variable "log_retention_days" {
  description = "Retention of the exported logs' log groups (`log_exports`)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "backup_retention_period" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35
    error_message = "The backup_retention_period must be between 1 and 35 days."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (`terraform destroy` fails until this is turned off). Set `false` only for throw-away environments."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (`<name>-<environment>-final`). Set `true` only for throw-away environments."
  type        = bool
  default     = false
}

variable "apply_immediately" {
  description = "Apply modifications at once rather than in the next maintenance window."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
