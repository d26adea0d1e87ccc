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

variable "functions" {
  description = <<-EOT
    The API's Lambda functions, by name (the seed's are `articles`, `contact` and `portfolio`). Each is served at
    `/<path>` and `/<path>/{proxy+}` with the given HTTP methods, through a Lambda proxy integration, and gets its own
    log group, SQS dead-letter queue, reserved concurrency and Errors alarm. `table_access` is `read` or `write`
    (write also reads) on the data stack's table; its name is in the TABLE_NAME environment variable.
  EOT
  type = map(object({
    filename             = string
    handler              = optional(string, "index.handler")
    runtime              = optional(string, "nodejs22.x")
    path                 = string
    methods              = optional(list(string), ["GET"])
    memory_size          = optional(number, 256)
    timeout              = optional(number, 10)
    reserved_concurrency = optional(number, 5)
    environment          = optional(map(string), {})
    table_access         = optional(string, "read")
  }))

  validation {
    condition     = length(var.functions) >= 1 && alltrue([for k, f in var.functions : can(regex("^[a-z][a-z0-9-]{0,30}$", k))])
    error_message = "The functions map needs at least one entry; each key must be 1-31 lower-case letters, digits and '-', starting with a letter."
  }
  validation {
    condition     = alltrue([for f in var.functions : can(regex("^[A-Za-z0-9_-]+$", f.path))])
    error_message = "Each function's path must be one URL path segment (letters, digits, '_', '-'), e.g. articles."
  }
  validation {
    condition     = alltrue([for f in var.functions : length(f.methods) >= 1 && alltrue([for m in f.methods : contains(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"], m)])])
    error_message = "Each function's methods must be one or more of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY."
  }
  validation {
    condition     = alltrue([for f in var.functions : f.reserved_concurrency >= 1])
    error_message = "Each function's reserved_concurrency must be at least 1 (a cap per function keeps one noisy function from starving the others)."
  }
  validation {
    condition     = alltrue([for f in var.functions : contains(["read", "write"], f.table_access)])
    error_message = "Each function's table_access must be read or write."
  }
}

variable "cors_allow_origins" {
  description = <<-EOT
    Origins of the site's pages that may call the API from the browser (CORS), e.g. `https://example.com` and
    `https://www.example.com`: the execute-api endpoint is another origin than the site's. Each function then also
    answers `OPTIONS` on its resources (the browser's preflight, with the function's methods, the `Content-Type`
    request header and a 10-minute `Access-Control-Max-Age`), and every answer to a request from one of these
    origins carries `Access-Control-Allow-Origin` for it; the functions read the list from `CORS_ALLOW_ORIGINS`.
    Empty (default): no CORS, so pages on other origins cannot read the answers.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allow_origins : can(regex("^https?://[a-z0-9.-]+(:[0-9]{1,5})?$", o))])
    error_message = "Each of cors_allow_origins must be an origin: scheme, lower-case host and optional port, no path or trailing slash (e.g. https://example.com)."
  }
}

variable "contact_notification" {
  description = <<-EOT
    E-mail for each message the contact form stores (the seed's SES notification), sent with SES (SESv2 `SendEmail`)
    by the function `function` (default `contact`) from `from` to each address in `to`; `null` (default): no mail.
    `from` must be an SES identity verified in this region, or an address of a verified domain, and while the account
    is in the SES sandbox each of `to` must be verified too. The function gets `ses:SendEmail` on that identity only
    (the address's and its domain's identity ARNs), with the condition `ses:FromAddress` = `from`, and reads the
    addresses from `NOTIFICATION_FROM` and `NOTIFICATION_TO` (comma-separated). A failed send is logged and the
    message still stored: the form never fails for the mail.
  EOT
  type = object({
    function = optional(string, "contact")
    from     = string
    to       = list(string)
  })
  default = null

  validation {
    condition     = var.contact_notification == null || can(regex("^[^@\\s,]+@[^@\\s,]+\\.[^@\\s,]+$", var.contact_notification.from))
    error_message = "The contact_notification.from must be one e-mail address (e.g. noreply@example.com)."
  }
  validation {
    condition     = var.contact_notification == null || try(length(var.contact_notification.to) >= 1 && length(var.contact_notification.to) <= 50 && alltrue([for a in var.contact_notification.to : can(regex("^[^@\\s,]+@[^@\\s,]+\\.[^@\\s,]+$", a))]), false)
    error_message = "The contact_notification.to must be 1-50 e-mail addresses (SES takes at most 50 recipients per message)."
  }
}

variable "stage_name" {
  description = "Name of the API Gateway stage."
  type        = string
  default     = "v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "The stage_name must be 1-128 letters, digits, '_' or '-'."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' logs and the stage's access logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "rate_limit" {
  description = "Requests per 5 minutes from one IP address before the regional WAF blocks it."
  type        = number
  default     = 1000

  validation {
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000
    error_message = "The rate_limit must be between 10 and 2,000,000,000 (WAF's limits)."
  }
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups of the regional WAF, in priority order."
  type        = list(string)
  default     = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (`null`: no subscription)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "The alarm_email must be an e-mail address."
  }
}

variable "alarm_topic_encryption" {
  description = "Encryption at rest of the alarm topic: `kms` (default: a customer-managed key made by this module, or `alarm_topic_kms_key_arn`) or `none` (no SSE, by explicit choice). Not `alias/aws/sns`: CloudWatch cannot publish to a topic under that AWS-managed key, so the alarms would never arrive."
  type        = string
  default     = "kms"

  validation {
    condition     = contains(["kms", "none"], var.alarm_topic_encryption)
    error_message = "The alarm_topic_encryption must be kms or none."
  }
}

variable "alarm_topic_kms_key_arn" {
  description = "Customer-managed KMS key of the alarm topic instead of the one this module makes. Its key policy must allow `cloudwatch.amazonaws.com` `kms:Decrypt` and `kms:GenerateDataKey*`, or the alarms are never delivered."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.alarm_topic_kms_key_arn))
    error_message = "The alarm_topic_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); an alias such as alias/aws/sns is not accepted."
  }
}

variable "alarm_key_deletion_window_in_days" {
  description = "Waiting period before the module's alarm-topic key is deleted once destroyed (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.alarm_key_deletion_window_in_days >= 7 && var.alarm_key_deletion_window_in_days <= 30 && floor(var.alarm_key_deletion_window_in_days) == var.alarm_key_deletion_window_in_days
    error_message = "The alarm_key_deletion_window_in_days must be a whole number from 7 to 30."
  }
}

variable "manage_account_logging_role" {
  description = "Create API Gateway's account-wide CloudWatch Logs role (needed once per account and region for access logs). Leave `false` when the account already has one."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
