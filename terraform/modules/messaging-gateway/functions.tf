# The four functions, built from dist/<bundle>.zip like the consumer:
# nodejs22.x on arm64, JSON logs to a KMS-encrypted log group, X-Ray tracing,
# the environment encrypted with the project key. Each reads exactly the
# MESSAGING_ENV names of shared/messaging/contract.ts it uses
# (test/unit/terraform/messaging-gateway.test.ts compares them with the code).

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

locals {
  # Settings every messaging function gets.
  common_environment = {
    POWERTOOLS_LOG_LEVEL = var.log_level
  }

  # The forwarder and the dispatcher call Genesys with the one shared token
  # (a 401 makes either log in once itself, under the refresher's lease),
  # through the one Genesys rate-limit bucket with the same breaker settings,
  # keep their state in the state table, call the platforms' APIs with the
  # platform credentials and stream attachments through the bucket.
  genesys_and_platform_caller_environment = {
    GENESYS_TOKEN_SECRET_ARN                = aws_secretsmanager_secret.genesys_token.arn
    GENESYS_OAUTH_SECRET_ARN                = aws_secretsmanager_secret.genesys_oauth.arn
    GENESYS_LOGIN_URL                       = local.genesys_login_url
    GENESYS_API_URL                         = local.genesys_api_url
    GENESYS_INTEGRATION_ID                  = var.genesys_integration_id
    GENESYS_RATE_LIMIT_PER_MINUTE           = tostring(var.genesys_rate_limit_per_minute)
    GENESYS_RATE_LIMIT_SHARERS              = tostring(2 * var.forwarder_maximum_concurrency + var.dispatcher_maximum_concurrency)
    GENESYS_BREAKER_FAILURE_THRESHOLD       = tostring(var.genesys_breaker_failure_threshold)
    GENESYS_BREAKER_WINDOW_SECONDS          = tostring(var.genesys_breaker_window_seconds)
    GENESYS_BREAKER_HALF_OPEN_AFTER_SECONDS = tostring(var.genesys_breaker_half_open_after_seconds)
    MESSAGING_STATE_TABLE                   = aws_dynamodb_table.state.name
    PLATFORM_CREDENTIALS_SECRET_ARN         = aws_secretsmanager_secret.platform_credentials.arn
    ATTACHMENT_BUCKET                       = aws_s3_bucket.attachments.bucket
    MAX_ATTACHMENT_BYTES                    = tostring(var.max_attachment_bytes)
    ATTACHMENT_URL_TTL_SECONDS              = tostring(var.attachment_url_ttl_seconds)
    TELEGRAM_API_URL                        = var.platform_api_urls.telegram
    VIBER_API_URL                           = var.platform_api_urls.viber
    WHATSAPP_API_URL                        = var.platform_api_urls.whatsapp
  }
}

# --- ingest: webhook -> verify -> FIFO queue; no downstream call ------------------

resource "aws_lambda_function" "ingest" {
  #checkov:skip=CKV_AWS_116:API Gateway invokes the function synchronously and answers the platform with its status; a platform resends on any non-2xx, so there is no asynchronous event to dead-letter.
  #checkov:skip=CKV_AWS_117:The function only calls public AWS endpoints (SQS, Secrets Manager) with IAM auth; a VPC would add NAT or endpoints and no protection.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed by this repository's pipeline from reviewed source; add a code_signing_config_arn when the organisation signs artefacts.
  #checkov:skip=CKV_AWS_115:The HTTP API stage throttles the endpoint (ingest_throttling_*); reserving concurrency as well would take it from the account pool the forwarder needs.
  function_name    = local.function_names.ingest
  description      = "Verifies platform and Genesys webhooks and enqueues them to the messaging FIFO queues"
  role             = aws_iam_role.ingest.arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = local.packages.ingest
  source_code_hash = fileexists(local.packages.ingest) ? filebase64sha256(local.packages.ingest) : null
  memory_size      = var.ingest_memory_mb
  timeout          = var.ingest_timeout_seconds
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = merge(local.common_environment, {
      POWERTOOLS_SERVICE_NAME = "messaging-ingest"
      INBOUND_QUEUE_URL       = aws_sqs_queue.work["inbound"].url
      OUTBOUND_QUEUE_URL      = aws_sqs_queue.work["outbound"].url
      WEBHOOK_SECRETS_ARN     = aws_secretsmanager_secret.webhook.arn
      MAX_WEBHOOK_BYTES       = tostring(var.max_webhook_bytes)
    })
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["ingest"].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.packages.ingest)
      error_message = "Package ${local.packages.ingest} not found: run `make build` (make plan does) or set messaging_package_dir."
    }
  }

  depends_on = [aws_iam_role_policy.ingest]
}

# API Gateway may invoke the function for this API's routes only.
resource "aws_lambda_permission" "api_invokes_ingest" {
  statement_id  = "HttpApiInvokesIngest"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.ingest.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.webhooks.execution_arn}/*/*/webhooks/*"
}

# --- forwarder: inbound + maintenance FIFO -> Genesys Open Messaging ----------------

resource "aws_lambda_function" "forwarder" {
  #checkov:skip=CKV_AWS_116:An SQS-polled function has no asynchronous invocations; failed records go to the queues' redrive DLQs, permanent failures are dead-lettered by the code with the reason.
  #checkov:skip=CKV_AWS_117:The function calls Genesys Cloud, the platform media APIs and public AWS endpoints; a VPC would add NAT and no protection.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed by this repository's pipeline from reviewed source; add a code_signing_config_arn when the organisation signs artefacts.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded per queue by the event source mappings' maximum_concurrency (forwarder_maximum_concurrency), which, unlike reserved concurrency, does not throttle and return messages to the queue.
  function_name    = local.function_names.forwarder
  description      = "Forwards inbound messages from ${aws_sqs_queue.work["inbound"].name} to Genesys Cloud Open Messaging"
  role             = aws_iam_role.forwarder.arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = local.packages.forwarder
  source_code_hash = fileexists(local.packages.forwarder) ? filebase64sha256(local.packages.forwarder) : null
  memory_size      = var.forwarder_memory_mb
  timeout          = var.forwarder_timeout_seconds
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = merge(local.common_environment, local.genesys_and_platform_caller_environment, {
      POWERTOOLS_SERVICE_NAME = "messaging-forwarder"
      INBOUND_QUEUE_URL       = aws_sqs_queue.work["inbound"].url
      MAINTENANCE_QUEUE_URL   = aws_sqs_queue.work["maintenance"].url
      INBOUND_DLQ_URL         = aws_sqs_queue.dlq["inbound"].url
      # LINE media comes from the content host; LINE_API_URL (sending) is the dispatcher's.
      LINE_DATA_API_URL = var.platform_api_urls.line_data
    })
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["forwarder"].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.packages.forwarder)
      error_message = "Package ${local.packages.forwarder} not found: run `make build` (make plan does) or set messaging_package_dir."
    }
  }

  depends_on = [aws_iam_role_policy.forwarder]
}

# FIFO mappings: no batching window (Lambda does not allow one on FIFO
# queues), at most 10 records, one group in flight at a time per group (SQS
# FIFO semantics), the handler reports the failed record and every later one
# of its group (SqsFifoPartialProcessor).
resource "aws_lambda_event_source_mapping" "forwarder" {
  for_each = toset(["inbound", "maintenance"])

  event_source_arn        = aws_sqs_queue.work[each.key].arn
  function_name           = aws_lambda_function.forwarder.arn
  batch_size              = var.forwarder_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true

  scaling_config {
    maximum_concurrency = var.forwarder_maximum_concurrency
  }

  depends_on = [aws_iam_role_policy.forwarder]
}

# --- dispatcher: outbound FIFO -> platform send APIs, receipts -> Genesys ----------

resource "aws_lambda_function" "dispatcher" {
  #checkov:skip=CKV_AWS_116:An SQS-polled function has no asynchronous invocations; a message that fails maxReceiveCount times goes to the outbound DLQ by the queue's redrive policy, and the dispatcher dead-letters permanent failures itself with the reason (after posting the Failed receipt).
  #checkov:skip=CKV_AWS_117:The function calls the platform send APIs, Genesys Cloud and public AWS endpoints; a VPC would add NAT and no protection.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed by this repository's pipeline from reviewed source; add a code_signing_config_arn when the organisation signs artefacts.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the event source mapping's maximum_concurrency (dispatcher_maximum_concurrency), which, unlike reserved concurrency, does not throttle and return messages to the queue; the platform limits hold across instances in the shared DynamoDB buckets.
  function_name    = local.function_names.dispatcher
  description      = "Sends Genesys agent replies from ${aws_sqs_queue.work["outbound"].name} to LINE, Telegram, Viber and WhatsApp and posts delivery receipts"
  role             = aws_iam_role.dispatcher.arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = local.packages.dispatcher
  source_code_hash = fileexists(local.packages.dispatcher) ? filebase64sha256(local.packages.dispatcher) : null
  memory_size      = var.dispatcher_memory_mb
  timeout          = var.dispatcher_timeout_seconds
  kms_key_arn      = var.kms_key_arn

  # readDispatcherConfig (shared/messaging/dispatcher/config.ts) reads these;
  # the rest of what it reads keeps the code's default (timeouts sized to the
  # function timeout, backoff, idempotency window): test/unit/terraform lists
  # them.
  environment {
    variables = merge(local.common_environment, local.genesys_and_platform_caller_environment, {
      POWERTOOLS_SERVICE_NAME = "messaging-dispatcher"
      OUTBOUND_QUEUE_URL      = aws_sqs_queue.work["outbound"].url
      # The dispatcher dead-letters on the queue's last receive itself, after
      # the Failed receipt: the same count as the redrive policy.
      OUTBOUND_DLQ_URL                   = aws_sqs_queue.dlq["outbound"].url
      MAX_RECEIVE_COUNT                  = tostring(var.messaging_max_receive_count)
      LINE_API_URL                       = var.platform_api_urls.line
      LINE_SEND_RATE_PER_SECOND          = tostring(var.line_send_rate_per_second)
      TELEGRAM_SEND_RATE_PER_SECOND      = tostring(var.telegram_send_rate_per_second)
      TELEGRAM_CHAT_SEND_RATE_PER_SECOND = tostring(var.telegram_chat_send_rate_per_second)
      VIBER_SEND_RATE_PER_SECOND         = tostring(var.viber_send_rate_per_second)
      WHATSAPP_SEND_RATE_PER_SECOND      = tostring(var.whatsapp_send_rate_per_second)
      VIBER_SENDER_NAME                  = var.viber_sender_name
    })
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["dispatcher"].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.packages.dispatcher)
      error_message = "Package ${local.packages.dispatcher} not found: run `make build` (make plan does) or set messaging_package_dir."
    }
  }

  depends_on = [aws_iam_role_policy.dispatcher]
}

# The outbound queue's group is the end user, so an agent's replies reach the
# customer in the order typed. FIFO rules as the forwarder's mappings: at most
# 10 records, no batching window, the failed record and the rest of its group
# reported (SqsFifoPartialProcessorAsync).
resource "aws_lambda_event_source_mapping" "dispatcher" {
  event_source_arn        = aws_sqs_queue.work["outbound"].arn
  function_name           = aws_lambda_function.dispatcher.arn
  batch_size              = var.dispatcher_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true

  scaling_config {
    maximum_concurrency = var.dispatcher_maximum_concurrency
  }

  depends_on = [aws_iam_role_policy.dispatcher]
}

# --- token refresher: Genesys client credentials -> shared token secret -------------

resource "aws_lambda_function" "token_refresher" {
  #checkov:skip=CKV_AWS_116:Invoked by EventBridge Scheduler, whose retry policy retries a failed run; a missed run is covered by the next one (every token_refresh_rate_minutes, far inside the token's life) and by the errors alarm.
  #checkov:skip=CKV_AWS_117:The function calls the Genesys Cloud login endpoint and Secrets Manager; a VPC would add NAT and no protection.
  #checkov:skip=CKV_AWS_272:The zip is built and deployed by this repository's pipeline from reviewed source; add a code_signing_config_arn when the organisation signs artefacts.
  function_name    = local.function_names["token-refresher"]
  description      = "Renews the Genesys Cloud token every messaging function shares"
  role             = aws_iam_role.token_refresher.arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = local.packages["token-refresher"]
  source_code_hash = fileexists(local.packages["token-refresher"]) ? filebase64sha256(local.packages["token-refresher"]) : null
  memory_size      = 256
  timeout          = 30
  kms_key_arn      = var.kms_key_arn
  # One refresher at a time: two would each mint a token and race to store it.
  reserved_concurrent_executions = 1

  environment {
    variables = merge(local.common_environment, {
      POWERTOOLS_SERVICE_NAME  = "messaging-token-refresher"
      GENESYS_OAUTH_SECRET_ARN = aws_secretsmanager_secret.genesys_oauth.arn
      GENESYS_TOKEN_SECRET_ARN = aws_secretsmanager_secret.genesys_token.arn
      GENESYS_LOGIN_URL        = local.genesys_login_url
      # The refresher takes the same lease as a forwarder refreshing after a 401.
      MESSAGING_STATE_TABLE = aws_dynamodb_table.state.name
    })
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["token-refresher"].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.packages["token-refresher"])
      error_message = "Package ${local.packages["token-refresher"]} not found: run `make build` (make plan does) or set messaging_package_dir."
    }
  }

  depends_on = [aws_iam_role_policy.token_refresher]
}

# EventBridge Scheduler rather than a CloudWatch Events rule: a schedule has
# its own retry policy and needs no resource policy on the function, and the
# event bus keeps only the Genesys topic rules (one per pattern file, which
# the local stack mirrors).
resource "aws_scheduler_schedule" "token_refresh" {
  name                         = "${var.name_prefix}-token-refresh"
  description                  = "Renews the shared Genesys Cloud token"
  schedule_expression          = "rate(${var.token_refresh_rate_minutes} ${var.token_refresh_rate_minutes == 1 ? "minute" : "minutes"})"
  schedule_expression_timezone = "UTC"
  state                        = "ENABLED"
  # The target input is stored encrypted with the project key.
  kms_key_arn = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.token_refresher.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ reason = "schedule" })

    # A run that cannot start within one interval is superseded by the next.
    retry_policy {
      maximum_event_age_in_seconds = var.token_refresh_rate_minutes * 60
      maximum_retry_attempts       = 3
    }
  }
}
