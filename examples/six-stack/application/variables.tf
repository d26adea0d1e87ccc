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

variable "image_tag" {
  description = "Image tag the service runs and auto-deploy watches."
  type        = string
  default     = "latest"
}

variable "static_build_dir" {
  description = "App directory of the standalone Next.js build the image runs (holding .next/ and public/); its static files are published to the data stack's bucket. Null: publish nothing."
  type        = string
  default     = null
}
