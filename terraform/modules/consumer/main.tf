# Buffer queue -> event source mapping -> consumer Lambda -> DynamoDB.

resource "aws_cloudwatch_log_group" "consumer" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "consumer" {
  #checkov:skip=CKV_AWS_116:An SQS-polled function has no asynchronous invocations; failed records go to the buffer's redrive DLQ (and poison ones are dead-lettered by the code).
  #checkov:skip=CKV_AWS_117:The function only calls public AWS endpoints (SQS, DynamoDB) with IAM auth; a VPC would add NAT or endpoints and no protection.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed by this repository's pipeline from reviewed source; add a code_signing_config_arn when the organisation signs artefacts.
  function_name = var.function_name
  description   = "Validates, deduplicates and projects Genesys Cloud events from ${var.buffer_queue_arn}"
  role          = aws_iam_role.consumer.arn
  runtime       = "nodejs22.x"
  architectures = ["arm64"]
  handler       = "index.handler"
  filename      = var.package_path
  # fileexists: a missing zip fails with the precondition's message (below),
  # and `terraform destroy` works without a build.
  source_code_hash               = fileexists(var.package_path) ? filebase64sha256(var.package_path) : null
  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    # The ordering buffer's variables only when it is on: without them the
    # consumer makes no buffer write and sends no release trigger.
    variables = merge({
      POWERTOOLS_SERVICE_NAME         = "event-consumer"
      POWERTOOLS_LOG_LEVEL            = var.log_level
      PROJECTION_TABLE                = aws_dynamodb_table.projection.name
      IDEMPOTENCY_TABLE               = aws_dynamodb_table.idempotency.name
      BUFFER_QUEUE_URL                = var.buffer_queue_url
      BUFFER_DLQ_URL                  = var.buffer_dlq_url
      BUFFER_MAX_RECEIVE_COUNT        = tostring(var.buffer_max_receive_count)
      IDEMPOTENCY_TTL_SECONDS         = tostring(var.idempotency_ttl_seconds)
      IDEMPOTENCY_ENABLED             = tostring(var.idempotency_enabled)
      EVENT_FUTURE_SKEW_SECONDS       = tostring(var.event_future_skew_seconds)
      MAX_EVENT_BYTES                 = tostring(var.max_event_bytes)
      RETRY_BACKOFF_BASE_SECONDS      = tostring(var.retry_backoff_base_seconds)
      RETRY_BACKOFF_CAP_SECONDS       = tostring(var.retry_backoff_cap_seconds)
      BREAKER_FAILURE_THRESHOLD       = tostring(var.breaker.failure_threshold)
      BREAKER_WINDOW_SECONDS          = tostring(var.breaker.window_seconds)
      BREAKER_MINIMUM_RPS             = tostring(var.breaker.minimum_rps)
      BREAKER_HALF_OPEN_AFTER_SECONDS = tostring(var.breaker.half_open_after_seconds)
      }, var.ordering == null ? {} : {
      ORDERING_BUFFER_TABLE      = var.ordering.buffer_table_name
      ORDERING_RELEASE_QUEUE_URL = var.ordering.release_queue_url
      ORDERING_HOLD_SECONDS      = tostring(var.ordering.hold_seconds)
    })
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.consumer.name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  lifecycle {
    precondition {
      condition     = fileexists(var.package_path)
      error_message = "Consumer package ${var.package_path} not found: run `make build` (make plan does) or set consumer_package_path."
    }
  }

  # The role must be able to write logs before the first invocation (and to
  # buffer, when the ordering buffer is on).
  depends_on = [aws_iam_role_policy.consumer, aws_iam_role_policy.ordering]
}

resource "aws_lambda_event_source_mapping" "buffer" {
  event_source_arn                   = var.buffer_queue_arn
  function_name                      = aws_lambda_function.consumer.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # The handler reports failed records only; the rest of the batch is deleted
  # and not retried.
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true

  scaling_config {
    maximum_concurrency = var.max_concurrency
  }

  # Lambda checks the role's SQS permissions when the mapping is created.
  depends_on = [aws_iam_role_policy.consumer]
}

resource "aws_cloudwatch_metric_alarm" "consumer_errors" {
  alarm_name          = "${var.function_name}-errors"
  alarm_description   = "${var.function_name} invocations failed as a whole (not single records): check its logs; messages stay in the buffer and retry."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.consumer.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
