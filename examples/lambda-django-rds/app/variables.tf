variable "environment" {
  description = "Environment name; part of every resource and SSM parameter name."
  type        = string
  default     = "dev"
}

variable "name" {
  description = "Name of the application; resources are named `<name>-<part>-<environment>`."
  type        = string
  default     = "shop"
}

variable "region" {
  description = "Region of everything but the CLOUDFRONT-scope WAF and the site's certificate (us-east-1)."
  type        = string
  default     = "eu-west-1"
}

variable "build_dir" {
  description = "The .open-next directory of the Next.js app's OpenNext build."
  type        = string
}

variable "zip_dir" {
  description = "Where the function zips are written (null: inside build_dir)."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "The site's apex domain; Django answers at <api_subdomain>.<domain_name>."
  type        = string
}

variable "api_subdomain" {
  description = "First label of the Django API's host name."
  type        = string
  default     = "api"
}

variable "hosted_zone_id" {
  description = "The domain's public hosted zone, in the DNS account."
  type        = string
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write the zone's records (null: the zone is in this account)."
  type        = string
  default     = null
}

variable "nat_gateway" {
  description = "NAT gateways of the private subnets (single, per_az or none)."
  type        = string
  default     = "single"
}

variable "image_tag" {
  description = "Tag of the Django image in the service's ECR repository."
  type        = string
  default     = "latest"
}

variable "db_instance_class" {
  description = "RDS instance class of the database."
  type        = string
  default     = "db.t4g.micro"
}

variable "extra_db_ingress" {
  description = "More security groups the database admits (label => group id), beside the Django tasks'."
  type        = map(string)
  default     = {}
}

variable "django_secrets" {
  description = "Names of Django's own secrets (environment variables in its container), created empty in Secrets Manager."
  type        = list(string)
  default     = ["DJANGO_SECRET_KEY"]
}

variable "site_secrets" {
  description = "Names of the Next.js app's secrets, created empty in Secrets Manager; the server functions get <NAME>_SECRET_ARN."
  type        = list(string)
  default     = ["STRIPE_SECRET_KEY"]
}

variable "extra_site_secret_arns" {
  description = "Existing Secrets Manager secrets the Next.js server may read too (name => secret ARN), e.g. one shared with other applications."
  type        = map(string)
  default     = {}
}

variable "warmer_concurrency" {
  description = "How many Next.js server instances the warmer keeps warm (0: no warmer)."
  type        = number
  default     = 1
}

variable "run_migrations" {
  description = "Run Django's migrations from Terraform on every new task definition revision."
  type        = bool
  default     = true
}

variable "wait_for_deployment" {
  description = "Wait for CloudFront to deploy the distribution."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Deletion protection on the database (and a final snapshot), the ALB, the image repository, recovery windows on the secrets and no force_destroy on the buckets. The example defaults to false so that it can be torn down; the modules default to the safe side."
  type        = bool
  default     = false
}
