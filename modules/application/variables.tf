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

variable "is_prod" {
  description = "Production environment: ECS Exec is disabled (no interactive sessions on live containers). Default: `environment == \"prod\"`."
  type        = bool
  default     = null
}

variable "image_tag" {
  description = "Tag of the image in the data stack's repository that Terraform's task definition names: what the first deployment runs (and, with `auto_deploy = false`, every deployment). With auto-deploy, later pushes of new tags deploy by digest."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "The image_tag must be a valid Docker tag (letters, digits, '_', '.', '-'; at most 128)."
  }
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Task memory, in MiB."
  type        = number
  default     = 1024
}

variable "app_memory" {
  description = "Hard memory limit of the Next.js container, in MiB (the rest of the task's memory is left to the sidecars)."
  type        = number
  default     = 896
}

variable "desired_count" {
  description = "Number of tasks."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "The desired_count must be a whole number >= 0."
  }
}

variable "environment_variables" {
  description = "Extra environment variables of the Next.js container (not secrets)."
  type        = map(string)
  default     = {}
}

variable "tmpfs_mounts" {
  description = "Writable RAM-backed mounts of the Next.js container (its root filesystem is read-only): container path => size in MiB. Next.js writes temporary files to /tmp, its fetch and image caches to .next/cache and the pages it regenerates (ISR, revalidatePath, revalidateTag) to .next/server/route-cache (Next.js 15.5)."
  type        = map(number)
  default = {
    "/tmp"                          = 64
    "/app/.next/cache"              = 256
    "/app/.next/server/route-cache" = 128
  }

  validation {
    condition     = contains(keys(var.tmpfs_mounts), "/tmp") && alltrue([for p, size in var.tmpfs_mounts : startswith(p, "/") && size >= 1])
    error_message = "The tmpfs_mounts must include /tmp; every path must be absolute and every size at least 1 MiB."
  }
}

variable "log_sidecar" {
  description = "Optional log-forwarding sidecar (the seed's Promtail): image, its config (passed in the PROMTAIL_CONFIG environment variable), memory in MiB. Runs with a read-only root filesystem and a writable /tmp."
  type = object({
    image  = string
    config = string
    memory = number
  })
  default = null
}

variable "trace_sidecar" {
  description = "Optional trace-collector sidecar (the seed's Grafana Alloy, OTLP gRPC on port 4317): image, its config (ALLOY_CONFIG), memory in MiB. Runs with a read-only root filesystem and a writable /tmp."
  type = object({
    image  = string
    config = string
    memory = number
  })
  default = null
}

variable "log_retention_days" {
  description = "Retention of the containers' and the auto-deploy function's CloudWatch logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "auto_deploy" {
  description = "Deploy automatically, by digest, when CI pushes a new tag to the repository (EventBridge -> Lambda -> a new task definition revision with `repository@sha256:...` -> UpdateService). The function then owns the running revision: the service ignores `task_definition` in Terraform; invoke the function with `{\"redeploy\": true}` to roll out a Terraform change of the task definition before the next push. `false`: Terraform deploys (change `image_tag`). Switching it moves the service between two resource addresses: move the state (`terraform state mv`) rather than let Terraform replace the service."
  type        = bool
  default     = true
}

variable "auto_deploy_tag_prefix" {
  description = "Only pushed tags starting with this deploy (e.g. `release-`); `\"\"` (default): every tagged push. Untagged pushes never deploy."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{0,127}$", var.auto_deploy_tag_prefix))
    error_message = "The auto_deploy_tag_prefix must be empty or the start of a Docker tag (letters, digits, '_', '.', '-')."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "static_build_dir" {
  description = "App directory of the standalone Next.js build (`output: \"standalone\"`) the image runs: the directory holding `.next/` and `public/`. Its `.next/static/` and `public/` files are published to the data stack's assets bucket (with `nextstack_nextjs_site`) before the service rolls, and the edge stack's distribution is invalidated once it exists. Null: publish nothing (the files are published some other way)."
  type        = string
  default     = null

  validation {
    condition     = var.static_build_dir == null || try(length(trimspace(var.static_build_dir)) > 0, false)
    error_message = "The static_build_dir must be a directory path, or null to publish nothing."
  }
}

variable "static_keep_previous_builds" {
  description = "How many previous builds' static files stay published beside the live one, for visitors whose open pages still load the old chunks."
  type        = number
  default     = 1

  validation {
    condition     = var.static_keep_previous_builds >= 0 && var.static_keep_previous_builds <= 50 && floor(var.static_keep_previous_builds) == var.static_keep_previous_builds
    error_message = "The static_keep_previous_builds must be a whole number from 0 to 50."
  }
}

variable "edge_region" {
  description = "Region of the edge stack, where it publishes its distribution's id (CloudFront's region, us-east-1, in the reference layout). Read only with `static_build_dir`."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.edge_region))
    error_message = "The edge_region must be an AWS region name such as us-east-1."
  }
}
