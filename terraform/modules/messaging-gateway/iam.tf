# One role per function; each statement names the exact actions the code
# calls and the exact resources it calls them on (the contract test
# test/unit/terraform/messaging-gateway.test.ts holds these lists).

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

# What every messaging function needs: the project key (queues, table, bucket
# and secrets are SSE-KMS with it, and so is the environment), its own log
# group, X-Ray. Each role's document below starts from this one.
data "aws_iam_policy_document" "function_common" {
  for_each = local.function_names

  statement {
    sid    = "UseProjectKey"
    effect = "Allow"
    actions = [
      "kms:Decrypt",
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
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:log-stream:*"]
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

# What the forwarder and the dispatcher both need (functions.tf
# genesys_and_platform_caller_environment): the shared Genesys token, the
# platform credentials, the OAuth client for the one login after a 401 and
# storing that token for every instance, and their state items.
data "aws_iam_policy_document" "genesys_and_platform_caller" {
  statement {
    sid     = "ReadSecrets"
    effect  = "Allow"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_secretsmanager_secret.genesys_token.arn,
      aws_secretsmanager_secret.platform_credentials.arn,
      aws_secretsmanager_secret.genesys_oauth.arn,
    ]
  }

  statement {
    sid       = "StoreSharedToken"
    effect    = "Allow"
    actions   = ["secretsmanager:PutSecretValue"]
    resources = [aws_secretsmanager_secret.genesys_token.arn]
  }

  # By key only, no query or scan: Powertools idempotency records (forwarded
  # once; sent once, receipt posted once: put, get, update, delete), the
  # Genesys, platform and Telegram chat rate-limit buckets (update), the
  # diverted-conversation markers, the dispatcher's part ledger (get,
  # update), the token refresh lease (put, delete).
  statement {
    sid    = "KeepMessagingState"
    effect = "Allow"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.state.arn]
  }
}

# --- ingest -----------------------------------------------------------------

resource "aws_iam_role" "ingest" {
  name               = "${local.function_names.ingest}-role"
  description        = "Execution role of ${local.function_names.ingest}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_lambda.json

  tags = var.tags
}

data "aws_iam_policy_document" "ingest" {
  source_policy_documents = [data.aws_iam_policy_document.function_common["ingest"].json]

  # SendMessageBatch is authorised by sqs:SendMessage.
  statement {
    sid       = "EnqueueWebhooks"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.work["inbound"].arn, aws_sqs_queue.work["outbound"].arn]
  }

  statement {
    sid       = "ReadWebhookSecrets"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.webhook.arn]
  }
}

resource "aws_iam_role_policy" "ingest" {
  name   = "messaging-ingest"
  role   = aws_iam_role.ingest.id
  policy = data.aws_iam_policy_document.ingest.json
}

# --- forwarder --------------------------------------------------------------

resource "aws_iam_role" "forwarder" {
  name               = "${local.function_names.forwarder}-role"
  description        = "Execution role of ${local.function_names.forwarder}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_lambda.json

  tags = var.tags
}

data "aws_iam_policy_document" "forwarder" {
  source_policy_documents = [
    data.aws_iam_policy_document.function_common["forwarder"].json,
    data.aws_iam_policy_document.genesys_and_platform_caller.json,
  ]

  # Event source mapping polling, batch item failures, and holding a message
  # (visibility) for Retry-After or backoff.
  statement {
    sid    = "ConsumeInboundAndMaintenance"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = [aws_sqs_queue.work["inbound"].arn, aws_sqs_queue.work["maintenance"].arn]
  }

  # Divert to the maintenance queue while the breaker is open; dead-letter
  # permanent failures (Genesys 400, attachment over the cap) with the reason.
  statement {
    sid       = "DivertAndDeadLetter"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.work["maintenance"].arn, aws_sqs_queue.dlq["inbound"].arn]
  }

  # Streamed uploads under inbound/ (lib-storage: multipart parts are
  # authorised by s3:PutObject, a failed stream aborts), and reads through the
  # pre-signed URLs the forwarder signs for Genesys.
  statement {
    sid    = "StoreAttachments"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:PutObject",
    ]
    # aws-requires-wildcard: the objects under inbound/ (keys are derived from each platform event id)
    resources = ["${aws_s3_bucket.attachments.arn}/inbound/*"]
  }
}

resource "aws_iam_role_policy" "forwarder" {
  name   = "messaging-forwarder"
  role   = aws_iam_role.forwarder.id
  policy = data.aws_iam_policy_document.forwarder.json
}

# --- dispatcher -------------------------------------------------------------
# Every AWS call of functions/messaging-dispatcher and what it imports
# (shared/messaging/dispatcher/*, outbound/*, attachments.ts, secrets.ts,
# genesys/token-store.ts, rate-limit.ts, consumer/dead-letter.ts and
# retry-visibility.ts), and nothing else.

resource "aws_iam_role" "dispatcher" {
  name               = "${local.function_names.dispatcher}-role"
  description        = "Execution role of ${local.function_names.dispatcher}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_lambda.json

  tags = var.tags
}

data "aws_iam_policy_document" "dispatcher" {
  source_policy_documents = [
    data.aws_iam_policy_document.function_common["dispatcher"].json,
    data.aws_iam_policy_document.genesys_and_platform_caller.json,
  ]

  # Event source mapping polling, batch item failures, and holding a message
  # (ChangeMessageVisibilityBatch is authorised by sqs:ChangeMessageVisibility)
  # for a platform's retry_after or backoff.
  statement {
    sid    = "ConsumeOutbound"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = [aws_sqs_queue.work["outbound"].arn]
  }

  # Permanent failures and the queue's last receive are dead-lettered by the
  # dispatcher with the reason (after the Failed receipt).
  statement {
    sid       = "DeadLetterOutbound"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq["outbound"].arn]
  }

  # Agent attachments re-hosted under outbound/ (lib-storage multipart
  # uploads are authorised by s3:PutObject, a failed stream aborts), and the
  # platforms' reads through the URLs the dispatcher pre-signs. The
  # forwarder's inbound objects are out of reach.
  statement {
    sid    = "StoreOutboundAttachments"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:PutObject",
    ]
    # aws-requires-wildcard: the objects under outbound/ (keys are derived from each Genesys message id)
    resources = ["${aws_s3_bucket.attachments.arn}/outbound/*"]
  }
}

resource "aws_iam_role_policy" "dispatcher" {
  name   = "messaging-dispatcher"
  role   = aws_iam_role.dispatcher.id
  policy = data.aws_iam_policy_document.dispatcher.json
}

# --- token refresher ----------------------------------------------------------

resource "aws_iam_role" "token_refresher" {
  name               = "${local.function_names["token-refresher"]}-role"
  description        = "Execution role of ${local.function_names["token-refresher"]}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_lambda.json

  tags = var.tags
}

data "aws_iam_policy_document" "token_refresher" {
  source_policy_documents = [data.aws_iam_policy_document.function_common["token-refresher"].json]

  # The OAuth client, and the current token (refreshed only when due).
  statement {
    sid       = "ReadOAuthClientAndToken"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.genesys_oauth.arn, aws_secretsmanager_secret.genesys_token.arn]
  }

  statement {
    sid       = "StoreSharedToken"
    effect    = "Allow"
    actions   = ["secretsmanager:PutSecretValue"]
    resources = [aws_secretsmanager_secret.genesys_token.arn]
  }

  # The refresh lease (one refresher or forwarder logs in at a time).
  statement {
    sid    = "HoldRefreshLease"
    effect = "Allow"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:PutItem",
    ]
    resources = [aws_dynamodb_table.state.arn]
  }
}

resource "aws_iam_role_policy" "token_refresher" {
  name   = "messaging-token-refresher"
  role   = aws_iam_role.token_refresher.id
  policy = data.aws_iam_policy_document.token_refresher.json
}

# --- the schedule that runs the refresher ----------------------------------------

data "aws_iam_policy_document" "assume_by_scheduler" {
  statement {
    sid     = "SchedulerAssumesRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    # Only this account's token-refresh schedule may use the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/default/${var.name_prefix}-token-refresh"]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name_prefix}-token-refresh-schedule"
  description        = "Role EventBridge Scheduler assumes to run ${local.function_names["token-refresher"]}"
  assume_role_policy = data.aws_iam_policy_document.assume_by_scheduler.json

  tags = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeTokenRefresher"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.token_refresher.arn]
  }

  # The schedule is encrypted with the project key; Scheduler decrypts it
  # with this role when it runs the target.
  statement {
    sid       = "DecryptSchedule"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-token-refresher"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
