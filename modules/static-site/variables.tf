variable "environment" {
  description = "Environment name (e.g. `dev`, `prod`); part of every resource and SSM parameter name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "The environment must be 1-20 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "name" {
  description = "Name of the site; resources are named `<name>-<environment>-...`."
  type        = string
  default     = "web"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "The name must be 1-24 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "domain_name" {
  description = "The site's apex domain, e.g. `example.com` (no final dot). The certificate covers it and `www.<domain_name>`; the CloudFront Function redirects the www name to it."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name)) && length(var.domain_name) <= 253 && !startswith(var.domain_name, "www.")
    error_message = "The domain_name must be a lower-case DNS name such as example.com (letters, digits, '-', dots; no final dot, no wildcard), without the www. prefix."
  }
}

variable "include_www" {
  description = "Also certify and alias `www.<domain_name>`, which answers with a 301 to the apex (same path and query string)."
  type        = bool
  default     = true
}

variable "hosted_zone_id" {
  description = "Public Route53 hosted zone of `domain_name`, usually in the DNS (organisation root) account: the validation records and the aliases are written there."
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

variable "not_found_page" {
  description = "Object served with status 404 when a path has no file (S3 answers 403 for those behind origin access control), e.g. the `404.html` of a Next.js static export. `null`: CloudFront passes S3's 403 on."
  type        = string
  default     = "/404.html"

  validation {
    condition     = var.not_found_page == null || startswith(coalesce(var.not_found_page, "/"), "/")
    error_message = "The not_found_page must start with '/' (or be null)."
  }
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
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000
    error_message = "The rate_limit must be between 10 and 2,000,000,000 (WAF's limits)."
  }
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups of the CloudFront WAF, in priority order."
  type        = list(string)
  default     = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]
}

variable "kms_key_arn" {
  description = "KMS key for the bucket's default encryption. `null`: SSE-S3 (AES256). A customer key's policy must let the distribution decrypt (`cloudfront.amazonaws.com` with this distribution as `AWS:SourceArn`)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted file is kept as a noncurrent version (the rollback window) before S3 expires it."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "The noncurrent_version_expiration_days must be a whole number >= 1."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with its files. Set `true` only for throw-away environments."
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
  description = "S3 server access logs of the site bucket to `s3_access_logs_bucket`, or to an S3 bucket this module makes with an expiry (modules/log-bucket). On by default: the cost is the S3 storage of the logs."
  type        = bool
  default     = true
}

variable "s3_access_logs_bucket" {
  description = "Name of an existing bucket for the S3 server access logs, in the same region and account as the site bucket; SSE-S3, not SSE-KMS, and a policy letting `logging.s3.amazonaws.com` put objects under `<s3_access_logs_prefix>site/`. `null`: the module makes one."
  type        = string
  default     = null

  validation {
    condition     = var.s3_access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_access_logs_bucket))
    error_message = "The s3_access_logs_bucket must be an S3 bucket name (3 to 63 lower-case letters, digits, dots or hyphens), not an ARN."
  }
}

variable "s3_access_logs_prefix" {
  description = "Start of the log objects' keys in the log bucket; each bucket's logs go under `<prefix>site/`."
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
