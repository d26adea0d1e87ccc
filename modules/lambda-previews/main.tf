# Seed 001, "lambda previews": one Next.js server function whose every deployment is a published Lambda version
# with an alias `deployment-<n>`, each reachable at its own host name `<project>-<environment>-<n>.<domain>`
# behind one ALB with a wildcard certificate; the last `keep_deployments` deployments are kept. The ALB invokes
# the aliases directly (Lambda target groups), where the seed puts a LambdaProxy ECS service in between.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

data "aws_region" "current" {}
data "aws_partition" "current" {}

data "nextstack_nextjs_build" "this" {
  build_dir = var.build_dir
  zip_dir   = var.zip_dir
  # No bucket or CDN here: the server function serves the static assets from its own zip (opennext/alb-wrapper.ts).
  bundle_assets = ["default"]
}

locals {
  name_prefix = "${var.project}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "lambda-previews", "nextstack:environment" = var.environment })
  region      = data.aws_region.current.name

  # Target group and ALB names hold at most 32 characters: a long prefix is cut and made unique again with a
  # hash, leaving room for "-<deployment number>" (up to 7 digits).
  short_prefix = length(local.name_prefix) <= 24 ? local.name_prefix : "${substr(local.name_prefix, 0, 19)}-${substr(sha1(local.name_prefix), 0, 4)}"

  # The build's server function (OpenNext's "default" origin).
  server = data.nextstack_nextjs_build.this.functions["default"]

  # ---- the window of kept deployments
  # Deployments are keyed by their number, so a new deployment adds one alias, target group, permission and
  # listener rule, and removes those of the deployment that falls out of the window; the others are untouched.
  current     = var.deployment_number
  kept        = [for i in range(var.keep_deployments) : local.current - i if local.current - i >= 1]
  deployments = { for m in local.kept : tostring(m) => m }

  host_of = { for k, m in local.deployments : k => "${local.name_prefix}-${m}.${var.domain_name}" }
  # The digest of the code and settings this deployment published (function.tf), kept in its alias: how a new
  # version under the same deployment number is recognised at plan.
  alias_description = { for k, m in local.deployments : k => "Deployment ${m} of ${local.name_prefix}; code and settings sha256 ${local.version_digest}" }
  current_host      = "${local.name_prefix}.${var.domain_name}"
}
