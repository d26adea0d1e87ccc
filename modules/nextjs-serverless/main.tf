# Next.js on Lambda as OpenNext recommends it (seed 004): the build's assets and caches in S3, the tag cache in
# DynamoDB, the revalidation queue, the server, image-optimization, revalidation and warmer functions, and
# CloudFront routing to them in the build's own order. Everything about the build comes from the
# nextstack_nextjs_build data source; nextstack_nextjs_site publishes it.

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "nextstack_nextjs_build" "this" {
  build_dir = var.build_dir
  zip_dir   = var.zip_dir
}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "serverless", "nextstack:environment" = var.environment })
  region      = data.aws_region.current.name
  names       = var.domain_name == null ? [] : concat([var.domain_name], var.include_www ? ["www.${var.domain_name}"] : [])

  build         = data.nextstack_nextjs_build.this
  assets_prefix = local.build.assets_prefix
  cache_prefix  = local.build.cache_prefix

  # The functions CloudFront sends requests to (server functions, split ones included, and image
  # optimization), by the build's origin name.
  origin_functions = { for name, f in local.build.functions : name => f if contains(["server", "image_optimization"], f.role) }
  servers          = { for name, f in local.origin_functions : name => f if f.role == "server" }
  revalidation     = [for name, f in local.build.functions : f if f.role == "revalidation"]
  warmer           = [for name, f in local.build.functions : f if f.role == "warmer"]
  main_server      = contains(keys(local.servers), "default") ? "default" : sort(keys(local.servers))[0]

  function_names = merge(
    { for name, f in local.origin_functions : name => "${local.name_prefix}-${f.role == "server" ? "server-${lower(name)}" : "image"}" },
    { revalidation = "${local.name_prefix}-revalidation", warmer = "${local.name_prefix}-warmer" },
  )
}

# ------------------------------------------------------------------------------------------------ storage

resource "aws_s3_bucket" "assets" {
  #checkov:skip=CKV2_AWS_61:Publishing (nextstack_nextjs_site) removes builds older than keep_previous_builds itself; an expiry by age would delete hashed files that pages still in browsers reference
  #checkov:skip=CKV2_AWS_62:Nothing needs to react to writes in this bucket: publishing uploads the build's static files and CloudFront serves them; S3 event notifications are an integration feature, not a control
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for content that is rebuilt anyway: every file comes from the build directory and is uploaded again by a publish
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256) at rest for public static files; SSE-KMS would need a key policy for CloudFront's origin access control and a KMS request per object CloudFront fetches
  bucket_prefix = "${local.name_prefix}-assets-"
  force_destroy = var.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket" "cache" {
  #checkov:skip=CKV2_AWS_61:Each build's cache lives under its build id and publishing removes builds older than keep_previous_builds; an expiry by age would drop ISR entries the live build still serves
  #checkov:skip=CKV2_AWS_62:Nothing needs to react to writes in this bucket: only the server function reads and writes its incremental cache here; S3 event notifications are an integration feature, not a control
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for content that is rebuilt anyway: the server re-renders any cache entry that is missing
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256) at rest for rendered pages and fetch results that are served publicly anyway; SSE-KMS would add a KMS request to every cache read and write of the server
  #checkov:skip=CKV_AWS_21:The incremental cache is rewritten on every revalidation and regenerated on a miss; versioning would keep a copy of every page at every revalidation for nothing
  bucket_prefix = "${local.name_prefix}-cache-"
  force_destroy = var.force_destroy
  tags          = local.tags
}

locals {
  buckets = { assets = aws_s3_bucket.assets, cache = aws_s3_bucket.cache }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Off by default: every file is reproducible from a build, nextstack_nextjs_site keeps the previous builds,
# and with versioning each pruned file would stay as a noncurrent version (and block a destroy).
resource "aws_s3_bucket_versioning" "assets" {
  count = var.assets_versioning ? 1 : 0

  bucket = aws_s3_bucket.assets.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Only CloudFront (this distribution, through origin access control) reads the assets; no grant on the cache
# bucket: the server function's role is its only reader and writer (the fetch cache may hold responses with
# private data). Both refuse requests that are not over TLS.
resource "aws_s3_bucket_policy" "assets" {
  bucket = aws_s3_bucket.assets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudFrontReadsAssets"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.assets.arn}/${local.assets_prefix}/*"
        Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.site.arn } }
      },
      {
        Sid       = "TlsOnly"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.assets.arn, "${aws_s3_bucket.assets.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_policy" "cache" {
  bucket = aws_s3_bucket.cache.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.cache.arn, "${aws_s3_bucket.cache.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}

# The tag cache: which paths a tag invalidates, and when each path was last revalidated.
resource "aws_dynamodb_table" "revalidation" {
  #checkov:skip=CKV_AWS_119:DynamoDB encrypts every table at rest (AWS owned key); this one maps cache tags to public paths and times, and a customer key would add a KMS request to every revalidation lookup
  name         = "${local.name_prefix}-revalidation"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "tag"
  range_key    = "path"

  attribute {
    name = "tag"
    type = "S"
  }
  attribute {
    name = "path"
    type = "S"
  }
  attribute {
    name = "revalidatedAt"
    type = "N"
  }

  global_secondary_index {
    name            = "revalidate"
    hash_key        = "path"
    range_key       = "revalidatedAt"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = local.tags
}

# Revalidation requests from the server functions, one at a time per page (FIFO, deduplicated by OpenNext's
# message ids).
resource "aws_sqs_queue" "revalidation" {
  name                        = "${local.name_prefix}-revalidation.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  sqs_managed_sse_enabled     = true
  visibility_timeout_seconds  = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.revalidation_dlq.arn
    maxReceiveCount     = 5
  })
  tags = local.tags
}

resource "aws_sqs_queue" "revalidation_dlq" {
  name                      = "${local.name_prefix}-revalidation-dlq.fifo"
  fifo_queue                = true
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags                      = local.tags
}

# Asynchronous invocations that still fail after Lambda's retries (the warmer's schedule) land here.
resource "aws_sqs_queue" "functions_dlq" {
  name                      = "${local.name_prefix}-functions-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags                      = local.tags
}
