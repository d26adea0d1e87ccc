# PostgreSQL on RDS for an application that runs elsewhere in the VPC: the instance in the given (isolated)
# subnets, never publicly accessible, storage encrypted, TLS required, admitting port 5432 only from the given
# security groups (no CIDR ranges: only members of those groups can connect). RDS manages the master password
# in Secrets Manager (manage_master_user_password), so no password is ever in the configuration, a plan or the
# state; the application reads the secret (`username`, `password` JSON keys) at run time.

locals {
  name_prefix = "${var.name}-${var.environment}"
  tags        = merge(var.tags, { "nextstack:environment" = var.environment })
  family      = "postgres${split(".", var.engine_version)[0]}"
}

resource "aws_db_subnet_group" "this" {
  name        = local.name_prefix
  description = "Isolated subnets of ${local.name_prefix}"
  subnet_ids  = var.subnet_ids
  tags        = local.tags
}

resource "aws_security_group" "this" {
  name        = "${local.name_prefix}-db"
  description = "PostgreSQL ${local.name_prefix}: 5432 from the application's security groups only"
  vpc_id      = var.vpc_id
  tags        = local.tags
  # No egress rule: a database opens no connections (hashicorp/aws removes the default allow-all egress).
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

resource "aws_db_parameter_group" "this" {
  name        = local.name_prefix
  family      = local.family
  description = "${local.name_prefix}: TLS required"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

# The exported logs' groups, made before the instance exports to them: a group RDS creates itself keeps its logs
# forever ("Publishing PostgreSQL logs to Amazon CloudWatch Logs", Amazon RDS User Guide).
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest with its own keys; a customer key adds a key policy for the logs service and a monthly key cost for logs that hold PostgreSQL's error and upgrade logs (failing statements may carry query values), no secret values
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, 30 days by default and any CloudWatch value accepted; keeping a year is a compliance choice for the caller, not a default every environment should pay for
  for_each = toset(var.log_exports)

  name              = "/aws/rds/instance/${local.name_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_157:var.multi_az adds a standby in a second zone; off by default because it doubles the instance cost, and the subnet group already spans the zones a standby needs
  #checkov:skip=CKV_AWS_161:The application authenticates with the master credentials RDS manages and rotates in Secrets Manager, over required TLS; IAM authentication would add a second login path that nothing here uses
  #checkov:skip=CKV_AWS_118:Enhanced Monitoring needs a monitoring role and bills its OS metrics as CloudWatch Logs; the standard RDS metrics and the exported PostgreSQL logs cover this small instance
  #checkov:skip=CKV_AWS_353:Performance Insights is a query-tuning tool, not a security control; it can be turned on for an instance that needs tuning, and slow statements reach the exported postgresql log when log_min_duration_statement is set
  identifier     = local.name_prefix
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  port           = 5432

  db_name                       = var.db_name
  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period    = var.backup_retention_period
  copy_tags_to_snapshot      = true
  deletion_protection        = var.deletion_protection
  skip_final_snapshot        = var.skip_final_snapshot
  final_snapshot_identifier  = var.skip_final_snapshot ? null : "${local.name_prefix}-final"
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  enabled_cloudwatch_logs_exports = var.log_exports

  tags = local.tags

  depends_on = [aws_cloudwatch_log_group.this]
}
