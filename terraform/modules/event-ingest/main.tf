# Genesys Cloud -> partner event bus -> one rule per topic family -> buffer queue.

locals {
  # SQS's maximum. SQS keeps a message's original enqueue time when it moves
  # it to a DLQ, so the DLQs must keep messages longer than the buffer does.
  dlq_retention_seconds = 1209600
  # Lambda may still hold a message while a retry of the same batch starts:
  # AWS asks for a visibility timeout of at least 6x the function timeout.
  buffer_visibility_timeout_seconds = var.consumer_timeout_seconds * 6
}

# The bus named after the partner event source associates the two. Genesys
# Cloud must have created the source first (../../genesys); events it sent
# before the association are dropped by AWS.
resource "aws_cloudwatch_event_bus" "genesys" {
  name              = var.partner_event_source_name
  event_source_name = var.partner_event_source_name
  description       = "Genesys Cloud events for ${var.name_prefix}"
}

# Warns on plan (does not fail it) when the partner event source is not in
# this account and region yet: apply would then fail to create the bus.
check "partner_event_source_exists" {
  data "aws_cloudwatch_event_source" "genesys" {
    name_prefix = var.partner_event_source_name
  }

  assert {
    condition     = data.aws_cloudwatch_event_source.genesys.name == var.partner_event_source_name
    error_message = "Partner event source ${var.partner_event_source_name} is not in this account/region. Apply the Genesys Cloud integration first (terraform/genesys, phase 1 in terraform/README.md) and check its awsAccountId/awsAccountRegion."
  }
}

# Every event of the bus, kept for archive_retention_days, so a time range can
# be replayed through the same rules (`npm run cli -- archive replay`): how a
# projection is rebuilt after a topic-catalogue change or a bug fix, and how a
# new stream topic is backfilled. Replayed events carry `replay-name`, which
# the consumer uses to re-key idempotency (README, "Archive and replay").
# Encrypted with the pipeline's key: it holds every payload for weeks.
resource "aws_cloudwatch_event_archive" "genesys" {
  name               = "${var.name_prefix}-archive"
  description        = "Genesys Cloud events of ${var.name_prefix}, for replays that rebuild or backfill the projection"
  event_source_arn   = aws_cloudwatch_event_bus.genesys.arn
  retention_days     = var.archive_retention_days
  kms_key_identifier = var.kms_key_arn
}

resource "aws_cloudwatch_event_rule" "family" {
  for_each = var.event_patterns

  name           = "${var.name_prefix}-${each.key}"
  description    = "Genesys Cloud topic family ${each.key} to the ${var.name_prefix} buffer queue"
  event_bus_name = aws_cloudwatch_event_bus.genesys.name
  event_pattern  = each.value
  state          = "ENABLED"
}

resource "aws_cloudwatch_event_target" "buffer" {
  for_each = aws_cloudwatch_event_rule.family

  rule           = each.value.name
  event_bus_name = aws_cloudwatch_event_bus.genesys.name
  target_id      = "buffer"
  arn            = aws_sqs_queue.buffer.arn

  # Bounded retries: the default (185 attempts over 24 h) would hide a broken
  # queue policy for a day. What still fails lands in the target DLQ.
  retry_policy {
    maximum_retry_attempts       = var.rule_target_max_retry_attempts
    maximum_event_age_in_seconds = var.rule_target_max_event_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.target_dlq.arn
  }
}

# --- queues -----------------------------------------------------------------
# SSE-SQS rather than a customer managed key: EventBridge delivers to these
# queues and would need a key-policy grant for a CMK; SSE-SQS also saves a KMS
# request per message.

resource "aws_sqs_queue" "buffer" {
  name                       = "${var.name_prefix}-buffer"
  visibility_timeout_seconds = local.buffer_visibility_timeout_seconds
  message_retention_seconds  = var.buffer_message_retention_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.buffer_dlq.arn
    maxReceiveCount     = var.buffer_max_receive_count
  })
}

# Messages the consumer failed maxReceiveCount times, and poison messages it
# dead-letters itself (with the reason in message attributes).
resource "aws_sqs_queue" "buffer_dlq" {
  name                      = "${var.name_prefix}-buffer-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = true
}

# Only the buffer may use the buffer DLQ as its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "buffer_dlq" {
  queue_url = aws_sqs_queue.buffer_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.buffer.arn]
  })
}

# Events EventBridge could not deliver to the buffer within the retry policy.
resource "aws_sqs_queue" "target_dlq" {
  name                      = "${var.name_prefix}-target-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = true
}

# --- queue policies ---------------------------------------------------------

locals {
  rule_arns = [for rule in aws_cloudwatch_event_rule.family : rule.arn]
}

data "aws_iam_policy_document" "buffer" {
  statement {
    sid       = "GenesysRulesSendEvents"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.buffer.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    # Only this pipeline's rules: any other rule (in any account) is refused.
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.rule_arns
    }
  }

  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # aws-requires-wildcard: a Deny over every SQS action; it only narrows access
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.buffer.arn]

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

resource "aws_sqs_queue_policy" "buffer" {
  queue_url = aws_sqs_queue.buffer.id
  policy    = data.aws_iam_policy_document.buffer.json
}

# EventBridge writes undeliverable events to the target DLQ with the rule as
# the source: the DLQ needs its own grant.
data "aws_iam_policy_document" "target_dlq" {
  statement {
    sid       = "GenesysRulesDeadLetterEvents"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.target_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.rule_arns
    }
  }

  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # aws-requires-wildcard: a Deny over every SQS action; it only narrows access
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.target_dlq.arn]

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

resource "aws_sqs_queue_policy" "target_dlq" {
  queue_url = aws_sqs_queue.target_dlq.id
  policy    = data.aws_iam_policy_document.target_dlq.json
}

data "aws_iam_policy_document" "buffer_dlq" {
  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # aws-requires-wildcard: a Deny over every SQS action; it only narrows access
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.buffer_dlq.arn]

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

resource "aws_sqs_queue_policy" "buffer_dlq" {
  queue_url = aws_sqs_queue.buffer_dlq.id
  policy    = data.aws_iam_policy_document.buffer_dlq.json
}

# --- alarms -----------------------------------------------------------------

locals {
  dead_letter_queues = {
    buffer-dlq = aws_sqs_queue.buffer_dlq.name
    target-dlq = aws_sqs_queue.target_dlq.name
  }
}

# Any message in a DLQ needs a person (or the redrive workflow): alarm on the first.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  for_each = local.dead_letter_queues

  alarm_name          = "${var.name_prefix}-${each.key}-not-empty"
  alarm_description   = "Messages are waiting in ${each.value}. Inspect them (the reason is in the message attributes) and redrive or discard."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # SQS stops publishing metrics for a queue idle for hours: an empty DLQ.
  treat_missing_data = "notBreaching"
  actions_enabled    = true
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "buffer_oldest_message" {
  alarm_name          = "${var.name_prefix}-buffer-oldest-message"
  alarm_description   = "Events wait in ${aws_sqs_queue.buffer.name} for over ${var.oldest_message_alarm_seconds} s: the consumer is failing, throttled or its circuit breaker is open."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.buffer.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.oldest_message_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
