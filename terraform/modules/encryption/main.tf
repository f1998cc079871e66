# One customer managed key for the pipeline's data at rest: the DynamoDB
# tables, the consumer's log group and its environment variables. The SQS
# queues use SSE-SQS instead (see modules/event-ingest): EventBridge could only
# deliver to a CMK-encrypted queue with an extra key-policy grant, and SSE-SQS
# costs no KMS request per message.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:The AWS default key policy statement: the account root administers the key through IAM (without it nobody could change the key policy again); in a key policy "*" is this key only.
  #checkov:skip=CKV_AWS_111:The AWS default key policy statement (kms:* for the account root, delegating to IAM); in a key policy "*" is this key only, and use is granted by IAM policies naming exact actions.
  #checkov:skip=CKV_AWS_356:In a key policy the resource "*" means this key; no narrower resource exists.
  # The account keeps full control of the key; IAM policies then decide who
  # may use it (the consumer role gets exactly the operations it needs). This
  # is the AWS default key policy statement: without it nobody could change
  # the key policy again.
  statement {
    sid     = "AccountAdministersKeyThroughIam"
    effect  = "Allow"
    actions = ["kms:*"] # aws-requires-wildcard: key administration by the account root (AWS default key policy); use is granted by IAM policies naming exact actions
    # aws-requires-wildcard: in a key policy "*" means "this key"
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts log events itself, so it needs the key policy
  # grant; the encryption context pins it to the named log groups.
  statement {
    sid    = "CloudWatchLogsEncryptsPipelineLogGroups"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    # aws-requires-wildcard: in a key policy "*" means "this key"
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [for name in var.consumer_log_group_names : "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${name}"]
    }
  }

  # The EventBridge archive of the partner bus holds every Genesys event for
  # its retention: EventBridge encrypts and decrypts archived events itself,
  # with the bus ARN as encryption context, so it needs the key policy grant.
  statement {
    sid     = "EventBridgeDescribesKeyForArchive"
    effect  = "Allow"
    actions = ["kms:DescribeKey"]
    # aws-requires-wildcard: in a key policy "*" means "this key"
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid    = "EventBridgeEncryptsArchivedEvents"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    # aws-requires-wildcard: in a key policy "*" means "this key"
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:events:event-bus:arn"
      values   = [for name in var.archived_event_bus_names : "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${name}"]
    }
  }
}

resource "aws_kms_key" "pipeline" {
  description             = "${var.name_prefix}: DynamoDB tables, the event archive, consumer logs and environment of the Genesys event pipeline"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "pipeline" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.pipeline.key_id
}
