# The consumer's role: each statement names the exact actions the code calls
# and the exact resources it calls them on.

data "aws_iam_policy_document" "assume_by_lambda" {
  statement {
    sid     = "LambdaAssumesRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "consumer" {
  name               = "${var.function_name}-role"
  description        = "Execution role of ${var.function_name}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_lambda.json
}

data "aws_iam_policy_document" "consumer" {
  # Event source mapping polling, batch item failures, and the backoff that
  # stretches a failed record's visibility (ChangeMessageVisibilityBatch is
  # authorised by sqs:ChangeMessageVisibility).
  statement {
    sid    = "ConsumeBuffer"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = [var.buffer_queue_arn]
  }

  # Poison messages (invalid, oversize) go to the DLQ at once, with the reason.
  statement {
    sid       = "DeadLetterPoisonMessages"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.buffer_dlq_arn]
  }

  statement {
    sid    = "ProjectEvents"
    effect = "Allow"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.projection.arn]
  }

  # Batch-level idempotency (shared/consumer/batch-idempotency.ts): one
  # BatchGetItem of a batch's keys, the claims as one TransactWriteItems of
  # conditional puts (authorised as dynamodb:PutItem per item), completions
  # and released claims as one BatchWriteItem.
  statement {
    sid    = "RecordIdempotency"
    effect = "Allow"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:PutItem",
    ]
    resources = [aws_dynamodb_table.idempotency.arn]
  }

  # The tables and the environment variables are encrypted with this key.
  statement {
    sid    = "UsePipelineKey"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ]
    resources = [var.kms_key_arn]
  }

  statement {
    sid    = "WriteOwnLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    # aws-requires-wildcard: Lambda names its log streams at run time; the ARN is limited to this function's log group
    resources = ["${aws_cloudwatch_log_group.consumer.arn}:log-stream:*"]
  }

  statement {
    sid    = "SendTraces"
    effect = "Allow"
    actions = [
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    # aws-requires-wildcard: X-Ray has no resource-level permissions for these actions
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "consumer" {
  name   = "event-consumer"
  role   = aws_iam_role.consumer.id
  policy = data.aws_iam_policy_document.consumer.json
}

# With the ordering buffer on, the consumer writes each accepted event to the
# buffer table (one conditional PutItem) and sends release triggers; nothing
# else. Without it the policy is not attached (the document's placeholder
# resource is never used).
data "aws_iam_policy_document" "ordering" {
  statement {
    sid       = "BufferAcceptedEvents"
    effect    = "Allow"
    actions   = ["dynamodb:PutItem"]
    resources = [var.ordering == null ? "" : var.ordering.buffer_table_arn]
  }

  statement {
    sid       = "TriggerReleases"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.ordering == null ? "" : var.ordering.release_queue_arn]
  }
}

resource "aws_iam_role_policy" "ordering" {
  count = var.ordering == null ? 0 : 1

  name   = "ordering-buffer"
  role   = aws_iam_role.consumer.id
  policy = data.aws_iam_policy_document.ordering.json
}
