# Least privilege: the release role may read and release the buffer, consume
# and re-arm its queue, and send to the feed; the consumer role gains only a
# PutItem on the buffer table and a SendMessage on the release queue (in the
# consumer module, granted only when ordering_enabled).

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

resource "aws_iam_role" "release" {
  name               = "${local.release_function_name}-role"
  description        = "Execution role of ${local.release_function_name}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_lambda.json
}

data "aws_iam_policy_document" "release" {
  statement {
    sid    = "ConsumeReleaseTriggers"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = [aws_sqs_queue.release.arn]
  }

  # Re-arm: events still in their hold get a new trigger; and the feed itself.
  statement {
    sid       = "SendTriggersAndFeed"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.release.arn, aws_sqs_queue.feed.arn]
  }

  # Query the entity, advance its watermark (UpdateItem), delete what was
  # released (BatchWriteItem of delete requests).
  statement {
    sid    = "ReleaseBufferedEvents"
    effect = "Allow"
    actions = [
      "dynamodb:BatchWriteItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.buffer.arn]
  }

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
    resources = ["${aws_cloudwatch_log_group.release.arn}:log-stream:*"]
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

resource "aws_iam_role_policy" "release" {
  name   = "ordering-release"
  role   = aws_iam_role.release.id
  policy = data.aws_iam_policy_document.release.json
}
