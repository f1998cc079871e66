# Three FIFO queues, each with a FIFO DLQ (SQS requires a FIFO source to
# dead-letter to a FIFO queue):
#   inbound      platform messages, group = conversation (platform + user)
#   outbound     Genesys's outbound webhook, group = end user, consumed by
#                the dispatcher
#   maintenance  messages the forwarder diverted while its breaker is open,
#                drained in order when Genesys recovers
#
# High-throughput FIFO (fifo_throughput_limit = perMessageGroupId, which needs
# deduplication_scope = messageGroup): the 300 messages/s per-queue limit of a
# plain FIFO queue would cap a viral spike across all conversations; with it,
# throughput scales with the number of groups. Deduplication per group loses
# nothing here: a platform event always maps to the same conversation, so its
# deduplication id never appears in another group.
#
# Deduplication ids are explicit (content_based_deduplication = false): the
# ingest function derives them from the platform's own event id, so a
# redelivery with a different body (retry headers, batch order) is still a
# duplicate.
#
# SSE-KMS with the project key; the producers and consumers get kms:Decrypt /
# kms:GenerateDataKey on it through their roles.

locals {
  # SQS's maximum; a message keeps its original enqueue time in the DLQ.
  dlq_retention_seconds = 1209600
  # AWS guidance for a queue feeding Lambda: at least 6x the timeout of the
  # function that consumes it.
  consumer_timeout_seconds = {
    inbound     = var.forwarder_timeout_seconds
    maintenance = var.forwarder_timeout_seconds
    outbound    = var.dispatcher_timeout_seconds
  }
  queues = toset(["inbound", "outbound", "maintenance"])
}

resource "aws_sqs_queue" "work" {
  for_each = local.queues

  name                              = "${var.name_prefix}-${each.key}.fifo"
  fifo_queue                        = true
  content_based_deduplication       = false
  deduplication_scope               = "messageGroup"
  fifo_throughput_limit             = "perMessageGroupId"
  visibility_timeout_seconds        = local.consumer_timeout_seconds[each.key] * 6
  message_retention_seconds         = var.messaging_message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = var.messaging_max_receive_count
  })

  tags = var.tags
}

# Messages that failed maxReceiveCount times, and permanent failures the
# forwarder (inbound) and the dispatcher (outbound) dead-letter themselves
# with the reason as message attributes.
resource "aws_sqs_queue" "dlq" {
  for_each = local.queues

  name                              = "${var.name_prefix}-${each.key}-dlq.fifo"
  fifo_queue                        = true
  content_based_deduplication       = false
  deduplication_scope               = "messageGroup"
  fifo_throughput_limit             = "perMessageGroupId"
  message_retention_seconds         = local.dlq_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  tags = var.tags
}

# Only its own queue may dead-letter into a DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dlq[each.key].id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.work[each.key].arn]
  })
}

# TLS only, on every queue. Access itself is granted by the roles (IAM).
data "aws_iam_policy_document" "queue_tls_only" {
  for_each = merge(
    { for k, q in aws_sqs_queue.work : k => q.arn },
    { for k, q in aws_sqs_queue.dlq : "${k}-dlq" => q.arn },
  )

  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # aws-requires-wildcard: a Deny over every SQS action; it only narrows access
    actions   = ["sqs:*"]
    resources = [each.value]

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

resource "aws_sqs_queue_policy" "work" {
  for_each = aws_sqs_queue.work

  queue_url = each.value.id
  policy    = data.aws_iam_policy_document.queue_tls_only[each.key].json
}

resource "aws_sqs_queue_policy" "dlq" {
  for_each = aws_sqs_queue.dlq

  queue_url = each.value.id
  policy    = data.aws_iam_policy_document.queue_tls_only["${each.key}-dlq"].json
}
