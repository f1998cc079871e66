# The ordering buffer (design §3, README "Ordering buffer"): the consumer
# writes each accepted event to the buffer table and sends a release trigger
# per entity to the release queue (FIFO, group = entity, queue-level delay =
# the hold window); the release function reads the entity's events whose hold
# has passed and sends them in order-key order to the ordered feed (FIFO,
# group = entity, deduplication id = content digest), advancing the entity's
# watermark. Downstream consumers read the feed.

locals {
  release_function_name = "${var.name_prefix}-ordering-release"
  # SQS's maximum, as for the other DLQs: a message keeps its original enqueue
  # time when it moves to a DLQ.
  dlq_retention_seconds = 1209600
  # AWS asks for at least 6x the function timeout. It must also stay below
  # SQS FIFO's 5-minute deduplication interval: a release that crashed after
  # sending is retried when its trigger becomes visible again, and the feed
  # drops the copies it re-sends only within that interval.
  release_visibility_timeout_seconds = var.release_timeout_seconds * 6
}

# --- buffer table -------------------------------------------------------------

# Partition = entity, sort = order key: one consistent Query reads an entity's
# watermark (sort key "#watermark", before every order key) and its buffered
# events in release order. TTL is a safety net only (15 days, longer than the
# release DLQ keeps a trigger); the release deletes what it sent.
resource "aws_dynamodb_table" "buffer" {
  name                        = "${var.name_prefix}-ordering-buffer"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "entity"
  range_key                   = "orderKey"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "entity"
    type = "S"
  }

  attribute {
    name = "orderKey"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# --- queues -------------------------------------------------------------------
# SSE-SQS: no KMS request per message, and a downstream reader of the feed
# needs no grant on the pipeline key. High-throughput FIFO (deduplication and
# throughput per message group): every group is one entity, and deduplication
# ids are per entity already.

resource "aws_sqs_queue" "release_dlq" {
  name                        = "${var.name_prefix}-ordering-release-dlq.fifo"
  fifo_queue                  = true
  message_retention_seconds   = local.dlq_retention_seconds
  sqs_managed_sse_enabled     = true
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  content_based_deduplication = false
}

resource "aws_sqs_queue" "release" {
  name                        = "${var.name_prefix}-ordering-release.fifo"
  fifo_queue                  = true
  delay_seconds               = var.hold_seconds
  visibility_timeout_seconds  = local.release_visibility_timeout_seconds
  message_retention_seconds   = local.dlq_retention_seconds
  sqs_managed_sse_enabled     = true
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  content_based_deduplication = false

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.release_dlq.arn
    maxReceiveCount     = var.release_max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "release_dlq" {
  queue_url = aws_sqs_queue.release_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.release.arn]
  })
}

resource "aws_sqs_queue" "feed_dlq" {
  name                        = "${var.name_prefix}-ordered-feed-dlq.fifo"
  fifo_queue                  = true
  message_retention_seconds   = local.dlq_retention_seconds
  sqs_managed_sse_enabled     = true
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  content_based_deduplication = false
}

# The ordered feed: what a downstream consumer (CRM, WFM) reads. Its redrive
# policy takes a message the downstream keeps failing out of the way, which
# unblocks the rest of that entity's group.
resource "aws_sqs_queue" "feed" {
  name                        = "${var.name_prefix}-ordered-feed.fifo"
  fifo_queue                  = true
  visibility_timeout_seconds  = var.feed_visibility_timeout_seconds
  message_retention_seconds   = var.feed_message_retention_seconds
  sqs_managed_sse_enabled     = true
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  content_based_deduplication = false

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.feed_dlq.arn
    maxReceiveCount     = var.feed_max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "feed_dlq" {
  queue_url = aws_sqs_queue.feed_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.feed.arn]
  })
}

# --- release function -----------------------------------------------------------

resource "aws_cloudwatch_log_group" "release" {
  name              = "/aws/lambda/${local.release_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "release" {
  #checkov:skip=CKV_AWS_116:An SQS-polled function has no asynchronous invocations; failed triggers go to the release queue's redrive DLQ.
  #checkov:skip=CKV_AWS_117:The function only calls public AWS endpoints (SQS, DynamoDB) with IAM auth; a VPC would add NAT or endpoints and no protection.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed by this repository's pipeline from reviewed source; add a code_signing_config_arn when the organisation signs artefacts.
  function_name = local.release_function_name
  description   = "Releases buffered Genesys Cloud events per entity in event-time order to ${aws_sqs_queue.feed.name}"
  role          = aws_iam_role.release.arn
  runtime       = "nodejs22.x"
  architectures = ["arm64"]
  handler       = "index.handler"
  filename      = var.package_path
  # fileexists: a missing zip fails with the precondition's message (below),
  # and `terraform destroy` works without a build.
  source_code_hash               = fileexists(var.package_path) ? filebase64sha256(var.package_path) : null
  memory_size                    = var.release_memory_mb
  timeout                        = var.release_timeout_seconds
  reserved_concurrent_executions = var.release_reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME    = "ordering-release"
      POWERTOOLS_LOG_LEVEL       = var.log_level
      ORDERING_BUFFER_TABLE      = aws_dynamodb_table.buffer.name
      ORDERING_RELEASE_QUEUE_URL = aws_sqs_queue.release.url
      ORDERING_FEED_QUEUE_URL    = aws_sqs_queue.feed.url
      ORDERING_HOLD_SECONDS      = tostring(var.hold_seconds)
      ORDERING_LATE_EVENTS       = var.late_events
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.release.name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  lifecycle {
    precondition {
      condition     = fileexists(var.package_path)
      error_message = "Release package ${var.package_path} not found: run `make build` (make plan does) or set ordering_release_package_path."
    }
  }

  depends_on = [aws_iam_role_policy.release]
}

# One release per entity at a time: Lambda's FIFO poller does not hand a
# group's next trigger to any invocation while one of its triggers is in
# flight.
resource "aws_lambda_event_source_mapping" "release" {
  event_source_arn        = aws_sqs_queue.release.arn
  function_name           = aws_lambda_function.release.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true

  scaling_config {
    maximum_concurrency = var.release_max_concurrency
  }

  depends_on = [aws_iam_role_policy.release]
}
