# Data stack (changes monthly): the container registry, the table and the assets bucket.
# Publishes their names under /nextstack/<environment>/data/ for the application, api and edge stacks.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

module "ssm_names" {
  source      = "../ssm-names"
  environment = var.environment
}

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:stack" = "data", "nextstack:environment" = var.environment })
}

# ------------------------------------------------------------------------------------------------ ECR

resource "aws_ecr_repository" "app" {
  name                 = local.name_prefix
  image_tag_mutability = var.image_tag_mutability
  force_delete         = !var.protect_from_deletion

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = var.kms_key_arn == null ? "AES256" : "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.image_retention_count} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.image_retention_count
      }
      action = { type = "expire" }
    }]
  })
}

# ------------------------------------------------------------------------------------------------ DynamoDB

# Single-table design with the two generic indexes the API stack queries (GSI1, GSI2).
resource "aws_dynamodb_table" "app" {
  name                        = local.name_prefix
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.protect_from_deletion

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "gsi1pk"
    type = "S"
  }
  attribute {
    name = "gsi1sk"
    type = "S"
  }
  attribute {
    name = "gsi2pk"
    type = "S"
  }
  attribute {
    name = "gsi2sk"
    type = "S"
  }

  global_secondary_index {
    name            = "GSI1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "GSI2"
    hash_key        = "gsi2pk"
    range_key       = "gsi2sk"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = local.tags
}

# ------------------------------------------------------------------------------------------------ S3

resource "aws_s3_bucket" "assets" {
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for content that is rebuilt anyway: the Next.js build's static files, uploaded again by every deploy
  #checkov:skip=CKV2_AWS_62:Nothing needs to react to writes in this bucket: the deploy uploads the build's static files and CloudFront serves them; S3 event notifications are an integration feature, not a control
  bucket        = "${local.name_prefix}-assets-${data.aws_caller_identity.current.account_id}"
  force_destroy = !var.protect_from_deletion
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "assets" {
  bucket = aws_s3_bucket.assets.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "assets" {
  bucket = aws_s3_bucket.assets.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Every deploy of the assets replaces files: their old versions are a rollback window, not an archive.
resource "aws_s3_bucket_lifecycle_configuration" "assets" {
  bucket = aws_s3_bucket.assets.id

  rule {
    id     = "expire-replaced-files"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.assets]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {
  bucket = aws_s3_bucket.assets.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# CloudFront reads through origin access control (the service principal, scoped to this account's
# distributions); nothing else may, and nothing may use plain HTTP.
data "aws_iam_policy_document" "assets" {
  statement {
    sid       = "CloudFrontOriginAccessControl"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.assets.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "AWS:SourceArn"
      values = length(var.cloudfront_distribution_arns) > 0 ? var.cloudfront_distribution_arns : [
        "arn:${data.aws_partition.current.partition}:cloudfront::${data.aws_caller_identity.current.account_id}:distribution/*"
      ]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.assets.arn, "${aws_s3_bucket.assets.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "assets" {
  bucket = aws_s3_bucket.assets.id
  policy = data.aws_iam_policy_document.assets.json

  # A policy applied before the public access block could be refused as public by S3.
  depends_on = [aws_s3_bucket_public_access_block.assets]
}

# ------------------------------------------------------------------------------------------------ SSM

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["data"]

  values = {
    ecr_repository_name                = aws_ecr_repository.app.name
    ecr_repository_arn                 = aws_ecr_repository.app.arn
    ecr_repository_url                 = aws_ecr_repository.app.repository_url
    dynamodb_table_name                = aws_dynamodb_table.app.name
    dynamodb_table_arn                 = aws_dynamodb_table.app.arn
    assets_bucket_name                 = aws_s3_bucket.assets.id
    assets_bucket_arn                  = aws_s3_bucket.assets.arn
    assets_bucket_regional_domain_name = aws_s3_bucket.assets.bucket_regional_domain_name
  }

  tags = local.tags
}
