variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every resource and SSM parameter name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "name" {
  description = "Name of the service; resources are named `<name>-<environment>-...`."
  type        = string
  default     = "api"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "The name must be 1-24 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

# ------------------------------------------------------------------------------------------------ network

variable "vpc_id" {
  description = "VPC of the ALB and the tasks."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "The vpc_id must be a VPC id (vpc-0123456789abcdef0)."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing ALB, in at least two Availability Zones."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The public_subnet_ids must be at least two subnet ids (subnet-0123456789abcdef0), in different Availability Zones."
  }
}

variable "task_subnet_ids" {
  description = "Subnets of the tasks: private subnets with a NAT gateway (or VPC endpoints), or public ones with `assign_public_ip = true`."
  type        = list(string)

  validation {
    condition     = length(var.task_subnet_ids) >= 1 && alltrue([for s in var.task_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "The task_subnet_ids must be one or more subnet ids (subnet-0123456789abcdef0)."
  }
}

variable "assign_public_ip" {
  description = "Give each task a public IP address (needed in public subnets without a NAT gateway to pull the image and reach APIs). The task security group still admits only the ALB."
  type        = bool
  default     = false
}

variable "allowed_cidr_blocks" {
  description = "IPv4 networks that may reach the ALB on ports 80 (redirected) and 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.allowed_cidr_blocks) >= 1 && alltrue([for c in var.allowed_cidr_blocks : can(cidrhost(c, 0)) && !can(regex(":", c))])
    error_message = "The allowed_cidr_blocks must be one or more IPv4 CIDR blocks, e.g. 0.0.0.0/0."
  }
}

# ------------------------------------------------------------------------------------------------ DNS and TLS

variable "domain_name" {
  description = "Host name of the service, e.g. `api.example.com`: certified, and aliased to the ALB in `hosted_zone_id`."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name)) && length(var.domain_name) <= 253
    error_message = "The domain_name must be a lower-case DNS name such as api.example.com (letters, digits, '-', dots; no final dot, no wildcard)."
  }
}

variable "hosted_zone_id" {
  description = "Public Route53 hosted zone of `domain_name`, usually in the DNS (organisation root) account: the validation record and the alias are written there."
  type        = string

  validation {
    condition     = can(regex("^[A-Z0-9]{1,32}$", var.hosted_zone_id))
    error_message = "The hosted_zone_id must be a Route53 hosted zone id (up to 32 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ), without the /hostedzone/ prefix."
  }
}

variable "dns_role_arn" {
  description = "Role in the zone's account that may write CNAME, A and AAAA records there. `null`: the zone is in this account."
  type        = string
  default     = null

  validation {
    condition     = var.dns_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.dns_role_arn))
    error_message = "The dns_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "dns_external_id" {
  description = "External ID the DNS role's trust policy requires, if any."
  type        = string
  default     = null
  sensitive   = true
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-")
    error_message = "The ssl_policy must be an ELB security policy name (ELBSecurityPolicy-...)."
  }
}

variable "web_acl_enabled" {
  description = "Put a REGIONAL WAF web ACL (per-IP rate limit and AWS managed rule groups) on the ALB."
  type        = bool
  default     = true
}

variable "rate_limit" {
  description = "Requests per 5 minutes from one IP address before the ALB's WAF blocks it."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000
    error_message = "The rate_limit must be between 10 and 2,000,000,000 (WAF's limits)."
  }
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups of the ALB's WAF, in priority order."
  type        = list(string)
  default     = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]
}

variable "idle_timeout" {
  description = "ALB idle timeout, in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "The idle_timeout must be between 1 and 4000 seconds."
  }
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB, and an image repository that `terraform destroy` refuses to delete while it holds images. Set `false` only for throw-away environments."
  type        = bool
  default     = true
}

# ------------------------------------------------------------------------------------------------ container

variable "image" {
  description = "Image the service runs. `null`: `<this module's ECR repository>:<image_tag>` (CI pushes there)."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Tag in this module's repository that the service runs when `image` is null."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "The image_tag must be a valid Docker tag (letters, digits, '_', '.', '-'; at most 128)."
  }
}

variable "image_tag_mutability" {
  description = "ECR tag mutability. `IMMUTABLE` (default): a tag, once pushed, always names the same image, so what the task definition names is what runs; give each build its own tag and deploy it by setting `image_tag` (a new task definition revision). `MUTABLE` allows the seed's pipeline (re-push `latest`, then `aws ecs update-service --force-new-deployment`), where whoever can push `latest` changes production without a deploy."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)
    error_message = "The image_tag_mutability must be MUTABLE or IMMUTABLE."
  }
}

variable "image_retention_count" {
  description = "How many images the ECR lifecycle policy keeps; older ones are expired."
  type        = number
  default     = 30

  validation {
    condition     = var.image_retention_count >= 1 && floor(var.image_retention_count) == var.image_retention_count
    error_message = "The image_retention_count must be a whole number >= 1."
  }
}

variable "container_name" {
  description = "Name of the container in the task definition (and of its log stream prefix)."
  type        = string
  default     = "api"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$", var.container_name))
    error_message = "The container_name must be letters, digits, '_' and '-' (at most 255)."
  }
}

variable "container_port" {
  description = "Port the container listens on (the target group's port), e.g. uvicorn's 8000."
  type        = number
  default     = 8000

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "The container_port must be a port number (1-65535)."
  }
}

variable "health_check_path" {
  description = "Path of the target group's health check (answered with 200 by a healthy task)."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "The health_check_path must start with '/'."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing load balancer health checks of a new task."
  type        = number
  default     = 30

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "The health_check_grace_period_seconds must be >= 0."
  }
}

variable "environment_variables" {
  description = "Environment variables of the container (not secrets: they are stored in the task definition)."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Names of the environment variables that hold secrets (e.g. `OPENAI_API_KEY`). The module creates one empty secret per name in `secret_store`, injects it with the task definition's `secrets`, and lets the execution role read exactly those. Put the values outside Terraform."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", s))]) && length(distinct(var.secrets)) == length(var.secrets)
    error_message = "The secrets must be distinct environment variable names (letters, digits and '_', not starting with a digit)."
  }
}

variable "container_secrets" {
  description = "Secrets that already exist, injected as environment variables: name => `valueFrom`, i.e. a Secrets Manager secret ARN, optionally with `:<json-key>:<version-stage>:<version-id>` (e.g. `\"<rds master secret arn>:password::\"`), or an SSM SecureString parameter ARN. The execution role may read exactly those secrets; the values never reach the task definition or the state."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.container_secrets) : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", k))])
    error_message = "The container_secrets names must be environment variable names (letters, digits and '_', not starting with a digit)."
  }
  validation {
    # contains(): a known bad value is found even beside ARNs of secrets created in the same run (unknown at plan).
    condition     = !contains([for v in values(var.container_secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(:[^:]*:[^:]*:[^:]*)?|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", v))], false)
    error_message = "The container_secrets values must be Secrets Manager secret ARNs (names may hold / _ + = . @ ! -, e.g. rds!db-...; optionally with :json-key:version-stage:version-id) or SSM parameter ARNs."
  }
}

variable "secret_store" {
  description = "Where the secrets live: `secretsmanager` (a Secrets Manager secret `<name>-<environment>/<VAR>`) or `ssm` (a SecureString parameter `/<name>-<environment>/<VAR>`, created with a write-only placeholder, `value_wo`). Either way the value is set outside Terraform and never reaches the state."
  type        = string
  default     = "secretsmanager"

  validation {
    condition     = contains(["secretsmanager", "ssm"], var.secret_store)
    error_message = "The secret_store must be secretsmanager or ssm."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted Secrets Manager secret can be restored (0 deletes at once, so the same name can be created again right away)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "The secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key of the secrets (the execution role may decrypt with it). `null`: the AWS managed keys (`aws/secretsmanager`, `aws/ssm`)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN."
  }
}

variable "command" {
  description = "Command of the container, overriding the image's CMD (e.g. `[\"gunicorn\", \"app.wsgi\", \"--bind\", \"0.0.0.0:8000\"]`). `null`: the image's CMD."
  type        = list(string)
  default     = null

  validation {
    condition     = var.command == null || try(length(var.command) >= 1, false)
    error_message = "The command must be null or a non-empty list of strings."
  }
}

variable "writable_paths" {
  description = "Writable paths of the container (its root filesystem is read-only), each a task-local volume on Fargate ephemeral storage."
  type        = list(string)
  default     = ["/tmp"]

  validation {
    condition     = alltrue([for p in var.writable_paths : startswith(p, "/") && p != "/"]) && length(distinct(var.writable_paths)) == length(var.writable_paths)
    error_message = "The writable_paths must be distinct absolute paths other than /."
  }
}

# ------------------------------------------------------------------------------------------------ tasks

variable "cpu" {
  description = "Task CPU units (a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "The cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory, in MiB (it must suit `cpu`, e.g. 512-2048 for 256 CPU units)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "The memory must be between 512 and 122880 MiB."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: `X86_64` or `ARM64` (Graviton, cheaper)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "The cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Number of tasks."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "The desired_count must be a whole number >= 0."
  }
}

variable "enable_execute_command" {
  description = "ECS Exec (interactive shells in running tasks). Keep it off in production."
  type        = bool
  default     = false
}

variable "container_insights" {
  description = "CloudWatch Container Insights on the cluster (billed per metric)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the container's CloudWatch logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the log group (its policy must admit CloudWatch Logs). `null`: CloudWatch's default encryption."
  type        = string
  default     = null
}

variable "ssm_stack" {
  description = "Stack name the service is published under in SSM (`/nextstack/<environment>/<ssm_stack>/...`): a key of modules/ssm-names' catalog that lists this module's keys. Layouts with more than one service give each its own (e.g. `django`)."
  type        = string
  default     = "fargate-service"

  validation {
    condition     = contains(["fargate-service", "django"], var.ssm_stack)
    error_message = "The ssm_stack must be a stack of modules/ssm-names that lists this module's keys: fargate-service or django."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "access_logs_enabled" {
  description = "ALB access logs to `access_logs_bucket`, or to an S3 bucket this module makes with an expiry (modules/log-bucket). On by default: the cost is the S3 storage of the logs."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "Name of an existing bucket for the access logs (SSE-S3; its policy must let the region's Elastic Load Balancing account put objects under `alb/AWSLogs/<account>/`). `null`: the module makes one."
  type        = string
  default     = null
}

variable "access_logs_retention_days" {
  description = "Days the module's access-log bucket keeps the logs."
  type        = number
  default     = 90

  validation {
    condition     = var.access_logs_retention_days >= 1 && floor(var.access_logs_retention_days) == var.access_logs_retention_days
    error_message = "The access_logs_retention_days must be a whole number of days, at least 1."
  }
}
