# The workflow's role: each statement names the exact API calls the
# definition makes (its aws-sdk tasks) and the exact queues and bucket prefix
# it makes them on.

data "aws_iam_policy_document" "assume_by_states" {
  statement {
    sid     = "StepFunctionsAssumesRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    # Only this account's redrive state machine may use the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role" "redrive" {
  name               = "${local.name}-role"
  description        = "Execution role of the ${local.name} state machine"
  assume_role_policy = data.aws_iam_policy_document.assume_by_states.json
}

data "aws_iam_policy_document" "redrive" {
  # Inspect (depth, receive), release what stays (visibility 0), delete what
  # was moved or quarantined.
  statement {
    sid    = "InspectAndEmptyDlq"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = local.dlq_arns
  }

  # moveAll: SQS's message move task, started on the DLQ and followed until done.
  statement {
    sid    = "MoveEverything"
    effect = "Allow"
    actions = [
      "sqs:ListMessageMoveTasks",
      "sqs:StartMessageMoveTask",
    ]
    resources = local.dlq_arns
  }

  statement {
    sid    = "RedriveToSource"
    effect = "Allow"
    actions = [
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
    ]
    resources = local.source_arns
  }

  statement {
    sid       = "QuarantineRepeatOffenders"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = [local.quarantine_objects]
  }

  # The bucket encrypts each object with the pipeline key (SSE-KMS, bucket
  # key); the messaging FIFO queues are SSE-KMS with it too: receiving from
  # their DLQs needs kms:Decrypt, sending back kms:GenerateDataKey.
  statement {
    sid    = "UsePipelineKey"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ]
    resources = [var.kms_key_arn]
  }

  # Step Functions sets up log delivery with the role's credentials; these
  # CloudWatch Logs actions have no resource-level permissions.
  statement {
    sid    = "DeliverExecutionLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ]
    # aws-requires-wildcard: CloudWatch Logs vended-log delivery actions support only "*" (Step Functions logging guide)
    resources = ["*"]
  }

  statement {
    sid    = "SendTraces"
    effect = "Allow"
    actions = [
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    # aws-requires-wildcard: X-Ray trace and sampling actions support only "*"
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "redrive" {
  name   = "${local.name}-policy"
  role   = aws_iam_role.redrive.id
  policy = data.aws_iam_policy_document.redrive.json
}
