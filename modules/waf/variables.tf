variable "name" {
  description = "Name of the web ACL; also the prefix of its CloudWatch metric names (`<name>`, `<name>-rate-limit`, `<name>-<rule group>`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.name))
    error_message = "The name must be 1 to 128 letters, digits, hyphens or underscores (WAF's rule for web ACL names)."
  }
}

variable "description" {
  description = "Description of the web ACL: what it stands in front of."
  type        = string

  validation {
    condition     = length(var.description) >= 1 && length(var.description) <= 256
    error_message = "The description must be 1 to 256 characters."
  }
}

variable "scope" {
  description = "`CLOUDFRONT` for a distribution (the aws provider must then be for us-east-1) or `REGIONAL` for an ALB or an API Gateway stage in the provider's region."
  type        = string

  validation {
    condition     = contains(["CLOUDFRONT", "REGIONAL"], var.scope)
    error_message = "The scope must be CLOUDFRONT or REGIONAL."
  }
}

variable "rate_limit" {
  description = "Requests per 5 minutes from one IP address before the web ACL blocks it (the first rule)."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000
    error_message = "The rate_limit must be between 10 and 2,000,000,000 (WAF's limits)."
  }
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups, in priority order after the rate limit; each blocks what its rules block."
  type        = list(string)
  default     = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]

  validation {
    condition     = length(var.managed_rule_groups) == length(distinct(var.managed_rule_groups))
    error_message = "The managed_rule_groups must not name a rule group twice."
  }
}

variable "logging" {
  description = "WAF logs: `blocked` (default: the requests blocked or counted, with Cookie and Authorization redacted; small, as it follows attacks rather than traffic), `all` (every request: costs in proportion to traffic) or `off`."
  type        = string
  default     = "blocked"

  validation {
    condition     = contains(["blocked", "all", "off"], var.logging)
    error_message = "The logging must be blocked, all or off."
  }
}

variable "log_destination_arn" {
  description = "Existing destination of the WAF logs (a CloudWatch log group, S3 bucket or Firehose stream whose name starts `aws-waf-logs-`). `null`: the module creates the log group `aws-waf-logs-<name>`."
  type        = string
  default     = null

  validation {
    condition     = var.log_destination_arn == null || can(regex("^arn:aws[a-z-]*:(logs|s3|firehose):[a-z0-9-]*:[0-9]*:.*aws-waf-logs-.+$", var.log_destination_arn))
    error_message = "The log_destination_arn must be the ARN of a log group, S3 bucket or Firehose stream whose name starts with aws-waf-logs-."
  }
}

variable "log_retention_days" {
  description = "Retention of the module's WAF log group, in days."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "tags" {
  description = "Tags of the web ACL."
  type        = map(string)
  default     = {}
}
