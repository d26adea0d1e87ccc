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

variable "origin_protocol" {
  description = "`https` (default): internal ALB behind a CloudFront VPC origin, over HTTPS. `http`: the seed's internet-facing ALB over plain HTTP (insecure; set the edge stack's origin_protocol to match)."
  type        = string
  default     = "https"
}

variable "subnet_ids" {
  description = "Subnets of the ALB. Default: the compute stack's (private) subnets for https, the VPC's public-tier subnets for http."
  type        = list(string)
  default     = null
}

variable "certificate_arn" {
  description = "Certificate of the ALB's HTTPS listener, in this region, covering the site's names. Default: one issued here for domain_name and www.domain_name."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "The site's apex domain (the edge stack's domain_name), for the ALB's certificate."
  type        = string
  default     = null
}

variable "hosted_zone_id" {
  description = "The domain's public hosted zone (in the DNS account), where the certificate's validation records go."
  type        = string
  default     = null
}

variable "dns_role_arn" {
  description = "Role in the DNS account that may write the zone's records (null: the zone is in this account)."
  type        = string
  default     = null
}

variable "origin_secret_versions" {
  description = "Versions of the origin secret the ALB accepts (the newest is sent by CloudFront); see the module's rotation steps."
  type        = list(number)
  default     = [1]
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB. The example defaults to false so that run.sh can destroy it."
  type        = bool
  default     = false
}
