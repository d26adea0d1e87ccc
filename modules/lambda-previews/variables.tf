variable "environment" {
  description = "Environment name (e.g. `dev`, `preview`); part of every resource, host and SSM parameter name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "project" {
  description = "Project name: the function is `<project>-<environment>`, deployment m answers at `<project>-<environment>-<m>.<domain_name>`."
  type        = string
  default     = "nextjs"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.project))
    error_message = "The project must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "deployment_number" {
  description = "Number of this deployment (e.g. the CI run number): a whole number from 1, increased for every deployment of new code or settings. Its published version gets the alias `deployment-<deployment_number>`."
  type        = number

  validation {
    condition     = var.deployment_number >= 1 && var.deployment_number <= 9999999 && floor(var.deployment_number) == var.deployment_number
    error_message = "The deployment_number must be a whole number from 1 to 9999999 (it names the alias deployment-<n>, its host name and its target group)."
  }
}

variable "keep_deployments" {
  description = "How many deployments stay reachable, the current one included: deployments `deployment_number - keep_deployments + 1` to `deployment_number`. Each takes one listener rule and one target group, and an ALB holds 100 of each by default (default actions not counted; one rule is the current host's)."
  type        = number
  default     = 3

  validation {
    condition     = var.keep_deployments >= 1 && var.keep_deployments <= 99 && floor(var.keep_deployments) == var.keep_deployments
    error_message = "The keep_deployments must be a whole number from 1 to 99 (an ALB holds 100 listener rules by default, one for each kept deployment and one for the current host)."
  }
}

variable "current_host" {
  description = "Also serve the newest deployment at `<project>-<environment>.<domain_name>`."
  type        = bool
  default     = true
}

variable "build_dir" {
  description = "The `.open-next` directory of an OpenNext 3 or 4 build made with this module's `opennext/open-next.config.ts` (its ALB wrapper and converter; see the README). Its `default` server function is deployed, with the build's static assets in its zip."
  type        = string

  validation {
    condition     = length(trimspace(var.build_dir)) > 0
    error_message = "The build_dir must name the .open-next directory of a build."
  }
}

variable "zip_dir" {
  description = "Where the function's zip is written. `null`: `<build_dir>/.nextstack/zips`."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "Domain the deployments' host names are under, e.g. `previews.example.com`: `*.<domain_name>` is certified and aliased to the ALB."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "The domain_name must be a lower-case DNS name such as previews.example.com, without a trailing dot or wildcard."
  }
}

variable "hosted_zone_id" {
  description = "Public Route53 hosted zone that holds `*.<domain_name>`, usually in the DNS account: the certificate's validation record and the wildcard alias are written there."
  type        = string

  validation {
    condition     = can(regex("^[A-Z0-9]{1,32}$", var.hosted_zone_id))
    error_message = "The hosted_zone_id must be a Route53 hosted zone id (up to 32 upper-case letters and digits), without the /hostedzone/ prefix."
  }
}

variable "dns_role_arn" {
  description = "Role in the zone's account that may write CNAME and A/AAAA records there. `null`: the zone is in this account."
  type        = string
  default     = null

  validation {
    condition     = var.dns_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.dns_role_arn))
    error_message = "The dns_role_arn must be an IAM role ARN such as arn:aws:iam::111111111111:role/dns."
  }
}

variable "dns_external_id" {
  description = "External ID the DNS role's trust policy requires, if any."
  type        = string
  default     = null
  sensitive   = true
}

variable "vpc_id" {
  description = "VPC of the ALB (and of the function, with `function_subnet_ids`)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing ALB, in at least two Availability Zones."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "The public_subnet_ids must name at least two subnets (an ALB spans two Availability Zones or more)."
  }
}

variable "function_subnet_ids" {
  description = "Private subnets to run the function in (it then reaches the internet only through their NAT gateway or VPC endpoints). `null`: the function runs outside any VPC."
  type        = list(string)
  default     = null

  validation {
    condition     = var.function_subnet_ids == null || length(coalesce(var.function_subnet_ids, [])) >= 1
    error_message = "The function_subnet_ids must name at least one subnet, or be null for a function outside any VPC."
  }
}

variable "allowed_cidr_blocks" {
  description = "IPv4 networks that may reach the ALB on ports 80 (redirected) and 443, typically an office or VPN range. Required: previews are private unless you say otherwise. A block open to every address (`0.0.0.0/0`) is refused unless `allow_public_access` is `true`."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidr_blocks) > 0 && alltrue([for c in var.allowed_cidr_blocks : can(cidrnetmask(c))])
    error_message = "The allowed_cidr_blocks must list at least one IPv4 CIDR block such as 203.0.113.0/24."
  }
}

variable "allow_public_access" {
  description = "Let `allowed_cidr_blocks` contain `0.0.0.0/0`, serving every preview to the whole internet behind a wildcard name. Pair it with `cognito_authentication` or `web_acl_arn` unless the previews hold nothing private."
  type        = bool
  default     = false
}

variable "cognito_authentication" {
  description = "Sign-in before any preview is served: the HTTPS listener's rules authenticate with this Cognito user pool (an app client with a client secret and the callback URL `https://<host>/oauth2/idpresponse` for every preview host) before forwarding. `null`: no sign-in. Cognito rather than generic OIDC, because an OIDC client secret would have to be in the listener's configuration and so in the state."
  type = object({
    user_pool_arn       = string
    user_pool_client_id = string
    user_pool_domain    = string
    session_timeout     = optional(number, 43200)
  })
  default = null

  validation {
    condition     = var.cognito_authentication == null || can(regex("^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/.+$", var.cognito_authentication.user_pool_arn))
    error_message = "The cognito_authentication.user_pool_arn must be a Cognito user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<id>)."
  }
  validation {
    condition     = var.cognito_authentication == null || try(var.cognito_authentication.session_timeout >= 1 && var.cognito_authentication.session_timeout <= 604800, false)
    error_message = "The cognito_authentication.session_timeout must be 1 to 604800 seconds (7 days)."
  }
}

variable "lambda_runtime" {
  description = "Node.js runtime of the function."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs(20|22|24)\\.x$", var.lambda_runtime))
    error_message = "The lambda_runtime must be nodejs20.x, nodejs22.x or nodejs24.x."
  }
}

variable "architecture" {
  description = "Architecture of the function: that of the machine that ran the build, for native dependencies."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "The architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory (MB) of the function."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "The memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout (seconds) of the function; the ALB's idle timeout is set a few seconds above it."
  type        = number
  default     = 15

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "The timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrency of the function, shared by every kept deployment: a cap on what previews can cost. The account needs at least 10 unreserved executions left."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrency >= 0 && floor(var.reserved_concurrency) == var.reserved_concurrency
    error_message = "The reserved_concurrency must be a whole number of 0 or more."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function (not secrets: they are part of every published version's configuration). `NODE_ENV` is `production` unless set here. A change is a new version: deploy it under a new deployment_number."
  type        = map(string)
  default     = {}
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

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener: one of ELB's policies that offer TLS 1.2 and later only (`ELBSecurityPolicy-TLS13-1-2-*`, `-TLS13-1-3-*`, `-FS-1-2-*`, `-TLS-1-2-*`)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-[23]-|FS-1-2-|TLS-1-2-)[A-Za-z0-9-]+$", var.ssl_policy))
    error_message = "The ssl_policy must be an ELB security policy without TLS 1.0 and 1.1, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06."
  }
}

variable "web_acl_arn" {
  description = "ARN of a REGIONAL WAF web ACL to associate with the ALB (`null`: none; previews limited by `allowed_cidr_blocks` often need none)."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+$", var.web_acl_arn))
    error_message = "The web_acl_arn must be the ARN of a REGIONAL WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/...)."
  }
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB. Set `false` only for throw-away environments."
  type        = bool
  default     = true
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
