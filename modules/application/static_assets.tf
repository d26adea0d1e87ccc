# The build's static files, published to the data stack's assets bucket at the paths the edge stack routes there
# (`/_next/static/*` and the public files such as `/images/*`, with no origin path). A standalone Next.js server
# serves neither `.next/static/` nor `public/`, so without this every page loads without its scripts and styles.
#
# Published before the service rolls: the new tasks' pages name chunks that must already be in the bucket, and
# the previous builds' chunks stay (keep_previous_builds) for visitors still running the old pages. With
# auto_deploy, apply this stack with the new build before pushing the image the deploy function rolls out.

locals {
  publish_static = var.static_build_dir != null
  edge_names     = module.ssm_names.names["edge"]
}

# Publishing needs the edge stack's distribution (the public files are cached there for a year and a new build
# invalidates them), so with static_build_dir this stack reads it and deploys after the edge stack, which reads
# nothing from this one: `nextstack-lint graph` orders them so. Without it, this stack does not depend on edge.
data "nextstack_ssm_parameters" "edge" {
  count = local.publish_static ? 1 : 0

  region = var.edge_region
  names  = [local.edge_names["distribution_id"]]
}

resource "nextstack_nextjs_site" "static" {
  count = local.publish_static ? 1 : 0

  build_dir            = var.static_build_dir
  build_kind           = "standalone"
  assets_bucket        = local.upstream[local.data["assets_bucket_name"]]
  distribution_id      = data.nextstack_ssm_parameters.edge[0].values[local.edge_names["distribution_id"]]
  keep_previous_builds = var.static_keep_previous_builds
}
