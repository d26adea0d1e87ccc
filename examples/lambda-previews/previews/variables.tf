variable "environment" {
  description = "Environment name; part of every resource, host and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "project" {
  description = "Project name: deployment n answers at <project>-<environment>-<n>.<domain_name>."
  type        = string
  default     = "nextjs"
}

variable "region" {
  description = "Region of the stack."
  type        = string
  default     = "eu-west-1"
}

variable "deployment_number" {
  description = "Number of this deployment (CI's run number): increase it for every deployment of new code."
  type        = number
}

variable "keep_deployments" {
  description = "How many deployments stay reachable, the current one included."
  type        = number
  default     = 3
}

variable "build_dir" {
  description = "The .open-next directory of the OpenNext build to deploy."
  type        = string
}

variable "zip_dir" {
  description = "Where the function zip is written (null: inside build_dir)."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "Domain the previews are served under, e.g. previews.example.com."
  type        = string
}

variable "hosted_zone_id" {
  description = "Public hosted zone holding *.<domain_name>, in the DNS account."
  type        = string
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write the zone's records (null: the zone is in this account)."
  type        = string
  default     = null
}

variable "vpc_cidr" {
  description = "Address range of the example's VPC (two public and two private /20 subnets are cut from a /16)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "allowed_cidr_blocks" {
  description = "Networks that may reach the previews (your office or VPN range). `[\"0.0.0.0/0\"]` needs `allow_public_access = true`."
  type        = list(string)
}

variable "cognito_authentication" {
  description = "Sign-in with a Cognito user pool before any preview is served (see the module's variable); `null`: none."
  type = object({
    user_pool_arn       = string
    user_pool_client_id = string
    user_pool_domain    = string
  })
  default = null
}

variable "allow_public_access" {
  description = "Serve the previews to every address (then `allowed_cidr_blocks = [\"0.0.0.0/0\"]`)."
  type        = bool
  default     = false
}

variable "environment_variables" {
  description = "Environment variables of the server function (a change is a new version: deploy it under a new deployment_number)."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB. The example defaults to false so that it can be torn down; the module defaults to true."
  type        = bool
  default     = false
}

variable "flow_logs_retention_days" {
  description = "Retention of the VPC's flow-log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_days)
    error_message = "The flow_logs_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}
