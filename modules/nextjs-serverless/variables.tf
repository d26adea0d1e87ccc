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
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name))
    error_message = "The name must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "build_dir" {
  description = "The `.open-next` directory of an OpenNext 3 or 4 build (`npx @opennextjs/aws build`), e.g. `\"$${path.root}/app/.open-next\"`. Everything about the build (functions, behaviours, prefixes) is read from it."
  type        = string

  validation {
    condition     = length(trimspace(var.build_dir)) > 0
    error_message = "The build_dir must name the .open-next directory of a build."
  }
}

variable "zip_dir" {
  description = "Where the functions' zips are written. `null`: `<build_dir>/.nextstack/zips`."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "The site's apex domain, e.g. `example.com`. `null`: the site is served at the distribution's own `*.cloudfront.net` name, with no certificate and no aliases."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "The domain_name must be a lower-case DNS name such as example.com, without a trailing dot."
  }
}

variable "include_www" {
  description = "Also serve, certify and alias `www.<domain_name>`."
  type        = bool
  default     = true
}

variable "hosted_zone_id" {
  description = "Public Route53 hosted zone of `domain_name`, usually in the DNS account: the certificate's validation records and the aliases are written there. Required with `domain_name`."
  type        = string
  default     = null

  validation {
    condition     = var.hosted_zone_id == null || can(regex("^[A-Z0-9]{1,32}$", var.hosted_zone_id))
    error_message = "The hosted_zone_id must be a Route53 hosted zone id (up to 32 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ), without the /hostedzone/ prefix."
  }
}

variable "dns_role_arn" {
  description = "Role in the zone's account that may write CNAME, A and AAAA records there. `null`: the zone is in this account."
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

variable "lambda_runtime" {
  description = "Node.js runtime of every function."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs(20|22|24)\\.x$", var.lambda_runtime))
    error_message = "The lambda_runtime must be nodejs20.x, nodejs22.x or nodejs24.x."
  }
}

variable "server_architecture" {
  description = "Architecture of the server functions. `null` (the default): the architecture their native modules were built for (`nextstack_nextjs_build`'s `native_architecture`, read from the bundle), `x86_64` when they have none. Set, it must agree with the bundle's native modules: a mismatch is refused at plan, naming the function and both architectures. Every other function also runs on its bundle's native architecture (the image optimization function on the one its sharp binaries were built for), else on arm64."
  type        = string
  default     = null

  validation {
    condition     = var.server_architecture == null || contains(["x86_64", "arm64"], coalesce(var.server_architecture, "x86_64"))
    error_message = "The server_architecture must be x86_64, arm64 or null (the build's native architecture)."
  }
}

variable "server_memory_size" {
  description = "Memory (MB) of each server function."
  type        = number
  default     = 1024

  validation {
    condition     = var.server_memory_size >= 128 && var.server_memory_size <= 10240
    error_message = "The server_memory_size must be between 128 and 10240 MB."
  }
}

variable "server_timeout" {
  description = "Timeout (seconds) of each server function. CloudFront waits at most 60 s for an origin by default."
  type        = number
  default     = 15

  validation {
    condition     = var.server_timeout >= 1 && var.server_timeout <= 60
    error_message = "The server_timeout must be between 1 and 60 seconds."
  }
}

variable "image_memory_size" {
  description = "Memory (MB) of the image optimization function."
  type        = number
  default     = 1536

  validation {
    condition     = var.image_memory_size >= 128 && var.image_memory_size <= 10240
    error_message = "The image_memory_size must be between 128 and 10240 MB."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrency per function role: a cap on what a runaway function can cost and a guarantee against the others. The account needs at least 10 unreserved executions left."
  type = object({
    server             = optional(number, 50)
    image_optimization = optional(number, 20)
    revalidation       = optional(number, 2)
    warmer             = optional(number, 1)
  })
  default = {}

  validation {
    condition     = alltrue([for v in values(var.reserved_concurrency) : v >= 0 && floor(v) == v])
    error_message = "Every reserved_concurrency value must be a whole number of 0 or more."
  }
}

variable "vpc_config" {
  description = "Run the server functions in a VPC: `vpc_id`, its private `subnet_ids` (with a NAT gateway or VPC endpoints: the server calls S3, DynamoDB, SQS) and extra `security_group_ids` beside the group the module creates for them. `null`: outside any VPC (the default)."
  type = object({
    vpc_id             = string
    subnet_ids         = list(string)
    security_group_ids = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.vpc_config == null || try(can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_config.vpc_id)), true)
    error_message = "The vpc_config.vpc_id must be a VPC id (vpc-0123456789abcdef0)."
  }
  validation {
    condition     = var.vpc_config == null || try(length(var.vpc_config.subnet_ids) >= 1 && alltrue([for s in var.vpc_config.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))]), true)
    error_message = "The vpc_config.subnet_ids must be one or more subnet ids (subnet-0123456789abcdef0), private ones in two or more zones."
  }
  validation {
    condition     = var.vpc_config == null || try(alltrue([for g in var.vpc_config.security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", g))]), true)
    error_message = "The vpc_config.security_group_ids must be security group ids (sg-0123456789abcdef0)."
  }
}

variable "secrets" {
  description = "Application secrets of the server functions: environment variable name => Secrets Manager secret ARN. The function gets `<NAME>_SECRET_ARN` = the ARN (never the value: that would sit in the plan, the state and the function's configuration) and may call secretsmanager:GetSecretValue on exactly these ARNs; the app reads the value at run time (see the README)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[A-Z_][A-Z0-9_]{0,114}$", k))])
    error_message = "The secrets names must be upper-case environment variable names (A-Z, 0-9, '_', not starting with a digit); the function gets <NAME>_SECRET_ARN."
  }
  validation {
    # contains(): a known bad ARN is found even beside ARNs of secrets created in the same run (unknown at plan).
    condition     = !contains([for v in values(var.secrets) : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$", v))], false)
    error_message = "The secrets values must be Secrets Manager secret ARNs (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX)."
  }
}

variable "server_environment" {
  description = "Plain environment variables of the server functions, name => value: the app's own settings (a feature flag, an API's base URL, what a headers spec reads). Not for secrets: the values are in the plan, the Terraform state and every GetFunctionConfiguration answer; pass secrets with `secrets`. Names must be environment variable names (letters, digits and '_', not starting with a digit) and not the module's own: `CACHE_*`, `REVALIDATION_*`, `NODE_ENV`, `*_SECRET_ARN` (see `secrets`), nor Lambda's reserved `AWS_*`, `LAMBDA_*`, `_HANDLER`, `_X_AMZN_*`."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.server_environment) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])
    error_message = "The server_environment keys must be environment variable names (letters, digits and '_', not starting with a digit); not: ${join(", ", [for k in keys(var.server_environment) : jsonencode(k) if !can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))])}."
  }
  validation {
    condition     = alltrue([for k in keys(var.server_environment) : !can(regex("^(CACHE_|REVALIDATION_|AWS_|LAMBDA_|_X_AMZN_)|^(NODE_ENV|_HANDLER)$|_SECRET_ARN$", k))])
    error_message = "The server_environment keys must not be the module's own (CACHE_*, REVALIDATION_*, NODE_ENV, *_SECRET_ARN: it sets them for OpenNext's caches and the secrets) nor Lambda's reserved (AWS_*, LAMBDA_*, _HANDLER, _X_AMZN_*); not: ${join(", ", [for k in keys(var.server_environment) : jsonencode(k) if can(regex("^(CACHE_|REVALIDATION_|AWS_|LAMBDA_|_X_AMZN_)|^(NODE_ENV|_HANDLER)$|_SECRET_ARN$", k))])}."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer KMS key the `secrets` are encrypted with (the server may decrypt with it). `null`: the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.secrets_kms_key_arn))
    error_message = "The secrets_kms_key_arn must be a KMS key ARN."
  }
}

variable "warmer_concurrency" {
  description = "How many server function instances the warmer keeps warm (the `concurrency` in its `WARM_PARAMS`). 0: no warmer."
  type        = number
  default     = 1

  validation {
    condition     = var.warmer_concurrency >= 0 && var.warmer_concurrency <= 50 && floor(var.warmer_concurrency) == var.warmer_concurrency
    error_message = "The warmer_concurrency must be a whole number from 0 to 50."
  }
}

variable "warmer_schedule" {
  description = "EventBridge schedule of the warmer."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.warmer_schedule))
    error_message = "The warmer_schedule must be an EventBridge schedule expression, e.g. rate(5 minutes)."
  }
}

variable "log_retention_days" {
  description = "Retention of every function's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "keep_previous_builds" {
  description = "How many previous builds keep their assets (skew protection for visitors still running them)."
  type        = number
  default     = 1

  validation {
    condition     = var.keep_previous_builds >= 0 && var.keep_previous_builds <= 50
    error_message = "The keep_previous_builds must be between 0 and 50."
  }
}

variable "invalidation" {
  description = "CloudFront invalidation after a publish: `changed` (`/*` when a new build id goes live, since CloudFront holds the old build's pages; the kept builds' hashed files stay, so open pages still load their chunks; when the same build id is published again, only the un-hashed files that changed), `all` (`/*` after every publish that changed something) or `none`."
  type        = string
  default     = "changed"

  validation {
    condition     = contains(["changed", "all", "none"], var.invalidation)
    error_message = "The invalidation must be changed, all or none."
  }
}

variable "cloudfront_behavior_limit" {
  description = "Most cache behaviours the distribution may have: CloudFront's quota (25 unless raised for the account)."
  type        = number
  default     = 25
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "The price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "rate_limit" {
  description = "Requests per 5 minutes from one IP address before the CloudFront WAF blocks it."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit >= 10
    error_message = "The rate_limit must be at least 10 (WAF's minimum)."
  }
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups of the CloudFront WAF, in priority order."
  type        = list(string)
  default     = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]
}

variable "assets_versioning" {
  description = "Keep noncurrent versions of the assets. Every asset is reproducible from its build and the previous builds are kept anyway; with versioning, pruned files stay as noncurrent versions until a lifecycle rule expires them (add one), and `force_destroy` is needed to destroy."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the buckets with objects still in them (other builds' files, caches written at run time). Off by default: a destroy then stops at a non-empty bucket."
  type        = bool
  default     = false
}

variable "wait_for_deployment" {
  description = "Wait until CloudFront has deployed the distribution (several minutes on AWS)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "access_logs_enabled" {
  description = "CloudFront access logs (standard logging v2) to `access_logs_destination_arn`, or to an S3 bucket this module makes with an expiry (modules/log-bucket). On by default: billed per GB of logs, small next to the traffic."
  type        = bool
  default     = true
}

variable "access_logs_destination_arn" {
  description = "Existing destination of the access logs: an S3 bucket (its policy must let `delivery.logs.amazonaws.com` write), a CloudWatch log group or a Firehose stream. `null`: the module makes a bucket in us-east-1."
  type        = string
  default     = null

  validation {
    condition     = var.access_logs_destination_arn == null || can(regex("^arn:aws[a-z-]*:(s3|logs|firehose):", var.access_logs_destination_arn))
    error_message = "The access_logs_destination_arn must be the ARN of an S3 bucket, a CloudWatch log group or a Firehose stream."
  }
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

variable "s3_access_logs_enabled" {
  description = "S3 server access logs of the assets and cache buckets to `s3_access_logs_bucket`, or to an S3 bucket this module makes with an expiry (modules/log-bucket). On by default: the cost is the S3 storage of the logs."
  type        = bool
  default     = true
}

variable "s3_access_logs_bucket" {
  description = "Name of an existing bucket for the S3 server access logs, in the same region and account as the assets and cache buckets; SSE-S3, not SSE-KMS, and a policy letting `logging.s3.amazonaws.com` put objects under `<s3_access_logs_prefix>{assets,cache}/`. `null`: the module makes one."
  type        = string
  default     = null

  validation {
    condition     = var.s3_access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_access_logs_bucket))
    error_message = "The s3_access_logs_bucket must be an S3 bucket name (3 to 63 lower-case letters, digits, dots or hyphens), not an ARN."
  }
}

variable "s3_access_logs_prefix" {
  description = "Start of the log objects' keys in the log bucket; each bucket's logs go under `<prefix>{assets,cache}/`."
  type        = string
  default     = "s3-access/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)*$", var.s3_access_logs_prefix))
    error_message = "The s3_access_logs_prefix must be empty or path segments each ending in a slash (e.g. \"s3-access/\")."
  }
}

variable "s3_access_logs_retention_days" {
  description = "Days the module's S3 access-log bucket keeps the logs."
  type        = number
  default     = 90

  validation {
    condition     = var.s3_access_logs_retention_days >= 1 && floor(var.s3_access_logs_retention_days) == var.s3_access_logs_retention_days
    error_message = "The s3_access_logs_retention_days must be a whole number of days, at least 1."
  }
}

variable "s3_access_logs_force_destroy" {
  description = "Let a destroy delete the module's S3 access-log bucket with the logs in it (throw-away environments). S3 writes these logs itself while the buckets are used, so without it a destroy stops at that bucket."
  type        = bool
  default     = false
}
