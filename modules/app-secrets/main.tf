# Application secrets in Secrets Manager, created empty: the values are put outside Terraform
# (`aws secretsmanager put-secret-value`), so they never reach a plan or the state. The callers get the ARNs and
# grant their own roles `secretsmanager:GetSecretValue` on exactly those (an ECS execution role for container
# `secrets`, a Lambda role for reads at run time).

locals {
  tags = merge(var.tags, { "nextstack:environment" = var.environment })
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:The values are third parties' credentials put outside Terraform (API keys, a Django SECRET_KEY); Secrets Manager can rotate them only with a rotation function per issuer, and the database password is RDS's own, rotated by RDS
  for_each = toset(var.names)

  name                    = "${var.prefix}-${var.environment}/${each.key}"
  description             = "${each.key} of ${var.prefix}-${var.environment} (set the value outside Terraform)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = local.tags
}
