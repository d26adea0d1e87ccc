variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "Region of this stack (every stack but edge shares it)."
  type        = string
  default     = "eu-west-1"
}

variable "alarm_email" {
  description = "Address for the functions' error alarms (null: none)."
  type        = string
  default     = null
}

variable "cors_allow_origins" {
  description = "Origins of the site's pages that call the API from the browser (e.g. https://example.com and https://www.example.com); empty: no CORS."
  type        = list(string)
  default     = []
}

variable "contact_notification" {
  description = "Mail each contact-form message from the SES-verified address `from` to the addresses `to` (null: no mail)."
  type = object({
    from = string
    to   = list(string)
  })
  default = null
}
