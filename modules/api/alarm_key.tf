# The alarm topic's encryption. CloudWatch can publish to an encrypted SNS topic only when the topic's KMS key
# policy lets cloudwatch.amazonaws.com call kms:GenerateDataKey* and kms:Decrypt; the AWS-managed alias/aws/sns
# key's policy cannot be changed, so alarms sent to a topic under it are never delivered ("Configure AWS KMS
# permissions for AWS services" and "CloudWatch alarms: Amazon SNS topics encrypted with KMS", AWS docs).
# Default: a customer-managed key made here (rotation on) with that grant, scoped to this account's alarms of
# this module and to this topic's encryption context. Or a key of your own (alarm_topic_kms_key_arn, whose policy
# you keep), or no encryption at rest by explicit choice (alarm_topic_encryption = "none").

data "aws_caller_identity" "current" {}

locals {
  alarm_topic_name = "${local.name_prefix}-api-alarms"
  # Built, not read from the topic: the key must exist (with this ARN in its policy) before the topic.
  alarm_topic_arn  = "arn:${data.aws_partition.current.partition}:sns:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:${local.alarm_topic_name}"
  create_alarm_key = var.alarm_topic_encryption == "kms" && var.alarm_topic_kms_key_arn == null
  alarm_topic_key = (
    var.alarm_topic_encryption == "none" ? null :
    local.create_alarm_key ? aws_kms_key.alarms[0].arn : var.alarm_topic_kms_key_arn
  )
}

data "aws_iam_policy_document" "alarm_key" {
  #checkov:skip=CKV_AWS_109:A KMS key policy: kms:* for the account root is the statement AWS writes into every default key policy, so that IAM policies administer the key; without it nobody could change or delete the key
  #checkov:skip=CKV_AWS_111:Write actions without a resource constraint are inherent to key policies, which govern only their own key; the only non-root grant (CloudWatch: Decrypt, GenerateDataKey) is bound to this account's alarms by aws:SourceArn
  #checkov:skip=CKV_AWS_356:In a key policy Resource "*" means the key the policy is attached to (AWS KMS key policy syntax), not every resource of the account
  count = local.create_alarm_key ? 1 : 0

  # The account administers the key through IAM, as with every key policy AWS writes by default (without this
  # statement nobody could change or delete the key).
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudWatch publishing to the topic: SNS asks KMS for a data key on CloudWatch's behalf.
  statement {
    sid       = "CloudWatchAlarmsPublishToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:alarm:${local.name_prefix}-*"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = [local.alarm_topic_arn]
    }
  }
}

resource "aws_kms_key" "alarms" {
  count = local.create_alarm_key ? 1 : 0

  description             = "Alarm topic ${local.alarm_topic_name}: CloudWatch may publish to it"
  enable_key_rotation     = true
  deletion_window_in_days = var.alarm_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.alarm_key[0].json
  tags                    = local.tags
}

resource "aws_kms_alias" "alarms" {
  count = local.create_alarm_key ? 1 : 0

  name          = "alias/${local.alarm_topic_name}"
  target_key_id = aws_kms_key.alarms[0].key_id
}
