# A bucket that receives access logs from an AWS service and keeps them for a while: private (every public
# access blocked, objects owned by the bucket owner, no ACLs), encrypted with SSE-S3 (the only encryption ELB
# log delivery supports, and what vended-log delivery uses without a key policy), objects expiring after
# retention_days, writable only by the given delivering services for the given sources, readable only over TLS.
# Used by the layouts' modules for CloudFront, ALB, VPC flow and S3 server access logs when the caller gives no
# destination of their own. It suits S3 server access logging as a target: SSE-S3 (a target under SSE-KMS gets no
# logs), BucketOwnerEnforced with a bucket policy for logging.s3.amazonaws.com instead of ACL grants, no Object
# Lock ("Enabling Amazon S3 server access logging", Amazon S3 User Guide).

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_145:SSE-S3 at rest: Elastic Load Balancing delivers access logs only to SSE-S3 buckets, and SSE-KMS for vended logs needs a key policy for the delivery service; a caller who needs KMS gives a destination of their own
  #checkov:skip=CKV_AWS_18:This bucket is the log destination itself; S3 access logs of it would need yet another bucket and record only the log service's writes and the reads of whoever investigates
  #checkov:skip=CKV_AWS_21:Log objects are written once and never changed; the lifecycle rule expires them after the retention, and versioning would keep expired logs as noncurrent versions past it
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy every log line to a second region at double the storage; a caller who needs that gives a replicated bucket of their own
  #checkov:skip=CKV2_AWS_62:Nothing reacts to log objects as they arrive: they are read when investigating; event notifications are an integration feature, not a control
  bucket_prefix = "${var.name_prefix}-"
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = var.writers
    content {
      sid       = statement.value.sid
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.key_prefix}*"]
      principals {
        type        = statement.value.principal.type
        identifiers = statement.value.principal.identifiers
      }
      dynamic "condition" {
        for_each = statement.value.source_account == null ? [] : [statement.value.source_account]
        content {
          test     = "StringEquals"
          variable = "aws:SourceAccount"
          values   = [condition.value]
        }
      }
      dynamic "condition" {
        for_each = length(statement.value.source_arns) == 0 ? [] : [statement.value.source_arns]
        content {
          test     = "ArnLike"
          variable = "aws:SourceArn"
          values   = condition.value
        }
      }
    }
  }

  # Some delivery services also read the bucket's ACL before they write (VPC flow logs: "Flow logs: S3 bucket
  # permissions", Amazon VPC User Guide); the same principal and conditions, on the bucket itself.
  dynamic "statement" {
    for_each = [for w in var.writers : w if w.bucket_acl_check]
    content {
      sid       = "${statement.value.sid}AclCheck"
      actions   = ["s3:GetBucketAcl"]
      resources = [aws_s3_bucket.this.arn]
      principals {
        type        = statement.value.principal.type
        identifiers = statement.value.principal.identifiers
      }
      dynamic "condition" {
        for_each = statement.value.source_account == null ? [] : [statement.value.source_account]
        content {
          test     = "StringEquals"
          variable = "aws:SourceAccount"
          values   = [condition.value]
        }
      }
      dynamic "condition" {
        for_each = length(statement.value.source_arns) == 0 ? [] : [statement.value.source_arns]
        content {
          test     = "ArnLike"
          variable = "aws:SourceArn"
          values   = condition.value
        }
      }
    }
  }

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
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

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}
