# Publishing the build: assets, caches and tag rows, skew-safe, with the invalidation of what changed. It runs
# after the functions and the distribution (it needs the distribution's id to invalidate), so the new server
# may answer for the few seconds the upload takes before its new hashed files are all in the bucket; the
# previous build's files stay (keep_previous_builds), so pages already loaded keep working.

resource "nextstack_nextjs_site" "this" {
  build_dir            = var.build_dir
  assets_bucket        = aws_s3_bucket.assets.bucket
  assets_prefix        = local.assets_prefix
  cache_bucket         = aws_s3_bucket.cache.bucket
  cache_prefix         = local.cache_prefix
  revalidation_table   = aws_dynamodb_table.revalidation.name
  distribution_id      = aws_cloudfront_distribution.site.id
  invalidation         = var.invalidation
  keep_previous_builds = var.keep_previous_builds

  depends_on = [aws_s3_bucket_policy.assets, aws_s3_bucket_server_side_encryption_configuration.this]
}

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["serverless"]

  values = {
    distribution_id          = aws_cloudfront_distribution.site.id
    distribution_arn         = aws_cloudfront_distribution.site.arn
    distribution_domain_name = aws_cloudfront_distribution.site.domain_name
    assets_bucket_name       = aws_s3_bucket.assets.bucket
    cache_bucket_name        = aws_s3_bucket.cache.bucket
    revalidation_table_name  = aws_dynamodb_table.revalidation.name
    revalidation_queue_url   = aws_sqs_queue.revalidation.url
    server_function_name     = aws_lambda_function.function[local.main_server].function_name
    build_id                 = nextstack_nextjs_site.this.build_id
  }

  tags = local.tags
}
