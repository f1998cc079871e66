# Root inputs. The local stack (scripts/local) reads the defaults of the
# variables marked "shared with the local stack" from this file, so a value
# changed here changes both the deployed and the local pipeline.

variable "name_prefix" {
  description = "Prefix for every resource name (queues, tables, function, rules)."
  type        = string
  default     = "genesys-events"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 2-31 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "buffer_max_receive_count" {
  description = "Receives of a buffer message before SQS moves it to the buffer DLQ (shared with the local stack)."
  type        = number
  default     = 5

  validation {
    condition     = var.buffer_max_receive_count >= 1 && var.buffer_max_receive_count <= 1000
    error_message = "buffer_max_receive_count must be between 1 and 1000 (SQS redrive policy limit)."
  }
}

variable "consumer_batch_size" {
  description = "Records per consumer invocation (shared with the local stack)."
  type        = number
  default     = 100

  validation {
    condition     = var.consumer_batch_size >= 1 && var.consumer_batch_size <= 10000
    error_message = "consumer_batch_size must be between 1 and 10000 (SQS event source mapping limit)."
  }
}

variable "consumer_batching_window_seconds" {
  description = "How long the event source mapping gathers records before invoking (shared with the local stack)."
  type        = number
  default     = 1

  validation {
    condition     = var.consumer_batching_window_seconds >= 0 && var.consumer_batching_window_seconds <= 300
    error_message = "consumer_batching_window_seconds must be between 0 and 300."
  }
}

variable "consumer_max_concurrency" {
  description = "Event source mapping ScalingConfig.MaximumConcurrency: the most consumer invocations at once (shared with the local stack)."
  type        = number
  default     = 2

  validation {
    condition     = var.consumer_max_concurrency >= 2 && var.consumer_max_concurrency <= 1000
    error_message = "consumer_max_concurrency must be between 2 and 1000 (AWS minimum is 2)."
  }
}

variable "consumer_timeout_seconds" {
  description = "Consumer Lambda timeout; the buffer queue's visibility timeout is 6x this (shared with the local stack)."
  type        = number
  default     = 30

  validation {
    condition     = var.consumer_timeout_seconds >= 3 && var.consumer_timeout_seconds <= 900
    error_message = "consumer_timeout_seconds must be between 3 and 900."
  }
}

variable "idempotency_ttl_seconds" {
  description = "How long an idempotency record lives. Longer than Genesys' four-day retry window by default (shared with the local stack)."
  type        = number
  default     = 432000

  validation {
    condition     = var.idempotency_ttl_seconds >= 60
    error_message = "idempotency_ttl_seconds must be at least 60."
  }
}

variable "consumer_idempotency_enabled" {
  description = "false runs the consumer as a pure projection: no idempotency record around the conditional per-aspect write, which is itself idempotent. 1 DynamoDB write per event instead of 3; duplicates then count as stale, and side effects beyond the projection lose their once-only guard (shared with the local stack)."
  type        = bool
  default     = true
}

variable "event_future_skew_seconds" {
  description = "An event whose time is further than this in the future is dead-lettered as invalid (shared with the local stack)."
  type        = number
  default     = 300

  validation {
    condition     = var.event_future_skew_seconds >= 0
    error_message = "event_future_skew_seconds must be zero or more."
  }
}

variable "max_event_bytes" {
  description = "Largest SQS body the consumer accepts; EventBridge caps an event at 256 KiB (shared with the local stack)."
  type        = number
  default     = 262144

  validation {
    condition     = var.max_event_bytes >= 1024 && var.max_event_bytes <= 1048576
    error_message = "max_event_bytes must be between 1 KiB and 1 MiB (the SQS message size limit)."
  }
}

variable "retry_backoff_base_seconds" {
  description = "Base of the exponential backoff (full jitter) applied to a failed record's visibility (shared with the local stack)."
  type        = number
  default     = 2

  validation {
    condition     = var.retry_backoff_base_seconds >= 0 && var.retry_backoff_base_seconds <= 43200
    error_message = "retry_backoff_base_seconds must be between 0 and 43200 (SQS visibility limit)."
  }
}

variable "retry_backoff_cap_seconds" {
  description = "Cap of the backoff applied to a failed record's visibility (shared with the local stack)."
  type        = number
  default     = 300

  validation {
    condition     = var.retry_backoff_cap_seconds >= 0 && var.retry_backoff_cap_seconds <= 43200
    error_message = "retry_backoff_cap_seconds must be between 0 and 43200 (SQS visibility limit)."
  }
}

variable "breaker_failure_threshold" {
  description = "Share of projection-store calls that must fail within breaker_window_seconds to open the consumer's circuit breaker (shared with the local stack)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.breaker_failure_threshold > 0 && var.breaker_failure_threshold <= 1
    error_message = "breaker_failure_threshold must be a share greater than 0 and at most 1, e.g. 0.5."
  }
}

variable "breaker_window_seconds" {
  description = "Sliding window over which the circuit breaker measures the failure share (shared with the local stack)."
  type        = number
  default     = 10

  validation {
    condition     = var.breaker_window_seconds >= 1 && floor(var.breaker_window_seconds) == var.breaker_window_seconds
    error_message = "breaker_window_seconds must be a whole number of seconds, at least 1."
  }
}

variable "breaker_minimum_rps" {
  description = "Calls per second the window must see before the breaker may open, so a few failures at low traffic do not trip it (shared with the local stack)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.breaker_minimum_rps >= 0
    error_message = "breaker_minimum_rps must be 0 or more calls per second."
  }
}

variable "breaker_half_open_after_seconds" {
  description = "Seconds an open breaker waits before it lets one probe call through (shared with the local stack)."
  type        = number
  default     = 5

  validation {
    condition     = var.breaker_half_open_after_seconds >= 1 && floor(var.breaker_half_open_after_seconds) == var.breaker_half_open_after_seconds
    error_message = "breaker_half_open_after_seconds must be a whole number of seconds, at least 1."
  }
}

# ---------------------------------------------------------------------------
# Deployment inputs: used by Terraform only, not by the local stack.

variable "aws_region" {
  description = "AWS region to deploy to. null takes it from AWS_REGION or the AWS profile. Must be the region configured in the Genesys Cloud EventBridge integration (awsAccountRegion)."
  type        = string
  default     = null

  validation {
    condition     = var.aws_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like an AWS region name, e.g. eu-west-1, or be null."
  }
}

variable "genesys_org_id" {
  description = "Genesys Cloud organization id (a UUID, Admin > Organization Settings). Part of the partner event source name aws.partner/genesys.com/cloud/<org id>/<suffix>."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.genesys_org_id))
    error_message = "genesys_org_id must be a lower-case UUID such as 0a1b2c3d-0000-4000-8000-000000000000."
  }
}

variable "event_source_suffix" {
  description = "Event source suffix configured in the Genesys Cloud EventBridge integration (eventSourceSuffix); the last part of the partner event source name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.event_source_suffix))
    error_message = "event_source_suffix must be 1-64 characters of letters, digits, '.', '_' or '-' (EventBridge event source name rules)."
  }
}

variable "rule_target_max_retry_attempts" {
  description = "EventBridge retries of a failed delivery to the buffer queue before the event goes to the target DLQ. The AWS default (185 over 24 h) hides an outage for a day; the local stack uses the same default (scripts/local/provision.ts)."
  type        = number
  default     = 30

  validation {
    condition     = var.rule_target_max_retry_attempts >= 0 && var.rule_target_max_retry_attempts <= 185 && floor(var.rule_target_max_retry_attempts) == var.rule_target_max_retry_attempts
    error_message = "rule_target_max_retry_attempts must be a whole number between 0 and 185 (EventBridge RetryPolicy limit)."
  }
}

variable "rule_target_max_event_age_seconds" {
  description = "Oldest event EventBridge still tries to deliver to the buffer queue; older events go to the target DLQ."
  type        = number
  default     = 14400

  validation {
    condition     = var.rule_target_max_event_age_seconds >= 60 && var.rule_target_max_event_age_seconds <= 86400
    error_message = "rule_target_max_event_age_seconds must be between 60 and 86400 (EventBridge RetryPolicy limits)."
  }
}

variable "buffer_message_retention_seconds" {
  description = "How long the buffer queue keeps an unprocessed message. Shorter than the DLQs' 14 days: SQS keeps a message's original enqueue time when it moves it to a DLQ."
  type        = number
  default     = 345600

  validation {
    condition     = var.buffer_message_retention_seconds >= 60 && var.buffer_message_retention_seconds < 1209600
    error_message = "buffer_message_retention_seconds must be at least 60 and less than 1209600 (the DLQ retention), or redriven messages expire in the DLQ early."
  }
}

variable "buffer_oldest_message_alarm_seconds" {
  description = "Alarm when the oldest message in the buffer queue is older than this: the consumer is down, throttled or its circuit breaker is open."
  type        = number
  default     = 900

  validation {
    condition     = var.buffer_oldest_message_alarm_seconds >= 60
    error_message = "buffer_oldest_message_alarm_seconds must be at least 60 (the metric's resolution)."
  }
}

variable "consumer_package_path" {
  description = "Path of the consumer's deployment zip (index.mjs inside), built by `make build`. null means ../dist/event-consumer.zip relative to this directory."
  type        = string
  default     = null

  validation {
    condition     = var.consumer_package_path == null || endswith(coalesce(var.consumer_package_path, "x"), ".zip")
    error_message = "consumer_package_path must name a .zip file."
  }
}

variable "consumer_memory_mb" {
  description = "Consumer Lambda memory; CPU scales with it."
  type        = number
  default     = 512

  validation {
    condition     = var.consumer_memory_mb >= 128 && var.consumer_memory_mb <= 10240
    error_message = "consumer_memory_mb must be between 128 and 10240."
  }
}

variable "consumer_reserved_concurrency" {
  description = "Reserved concurrency of the consumer; -1 reserves none (consumer_max_concurrency on the event source mapping already bounds it). When set it must be at least consumer_max_concurrency, or Lambda throttles the mapping and messages burn their receive count."
  type        = number
  default     = -1

  validation {
    condition     = var.consumer_reserved_concurrency == -1 || var.consumer_reserved_concurrency >= var.consumer_max_concurrency
    error_message = "consumer_reserved_concurrency must be -1 or at least consumer_max_concurrency."
  }
}

variable "consumer_log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the consumer."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"], var.consumer_log_level)
    error_message = "consumer_log_level must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT."
  }
}

variable "consumer_tracing_mode" {
  description = "X-Ray tracing of the consumer: Active samples its own invocations, PassThrough traces only requests that arrive sampled."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.consumer_tracing_mode)
    error_message = "consumer_tracing_mode must be Active or PassThrough."
  }
}

variable "log_retention_days" {
  description = "Retention of the consumer's and the DLQ redrive workflow's CloudWatch log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "table_deletion_protection" {
  description = "Deletion protection on the projection and idempotency tables. Set false and deploy before `make destroy`."
  type        = bool
  default     = true
}

variable "event_archive_retention_days" {
  description = "Days the EventBridge archive of the partner bus keeps every Genesys event: how far back `make rebuild` can replay to rebuild or backfill the projection (shared with the local stack)."
  type        = number
  default     = 30

  validation {
    condition     = var.event_archive_retention_days >= 1 && var.event_archive_retention_days == floor(var.event_archive_retention_days)
    error_message = "event_archive_retention_days must be a whole number of days, at least 1."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before the pipeline's KMS key is deleted after `make destroy`; data encrypted under it is unreadable afterwards."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires or clears (e.g. an SNS topic). Empty: alarms only show in the console and on the dashboard."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:aws[a-z-]*:", arn))])
    error_message = "alarm_actions must be ARNs (arn:aws:sns:...)."
  }
}

variable "tags" {
  description = "Tags added to every resource (through the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "dlq_quarantine_retention_days" {
  description = "Days the DLQ redrive workflow's quarantine bucket keeps a quarantined message (the only copy: the workflow deletes it from the DLQ) before S3 expires it."
  type        = number
  default     = 90

  validation {
    condition     = var.dlq_quarantine_retention_days >= 1
    error_message = "dlq_quarantine_retention_days must be at least 1."
  }
}

variable "dlq_quarantine_force_destroy" {
  description = "Let `make destroy` delete the quarantine bucket while it still holds quarantined messages."
  type        = bool
  default     = false
}

variable "ordering_enabled" {
  description = "Turn on the ordering buffer: accepted events are held ordering_hold_seconds and released per entity in event-time order to an ordered feed (SQS FIFO). Off: the consumer makes no extra write (shared with the local stack: ORDERING_ENABLED=1)."
  type        = bool
  default     = false
}

variable "ordering_hold_seconds" {
  description = "Hold window of the ordering buffer: an event is released this long after it arrived, so events arriving out of order within it reach the feed in order. Size it above the observed arrival disorder (metric ArrivalDisorderMs) (shared with the local stack: ORDERING_HOLD_SECONDS)."
  type        = number
  default     = 5

  validation {
    condition     = var.ordering_hold_seconds >= 0 && var.ordering_hold_seconds <= 900 && floor(var.ordering_hold_seconds) == var.ordering_hold_seconds
    error_message = "ordering_hold_seconds must be a whole number from 0 to 900 (the SQS queue delay range)."
  }
}

variable "ordering_late_events" {
  description = "An event arriving after a later event of its entity was released: \"mark\" (released with late = true and the watermark it missed) or \"drop\" (counted and logged, kept in the projection only) (shared with the local stack: ORDERING_LATE_EVENTS)."
  type        = string
  default     = "mark"

  validation {
    condition     = contains(["mark", "drop"], var.ordering_late_events)
    error_message = "ordering_late_events must be \"mark\" or \"drop\"."
  }
}

variable "ordering_release_package_path" {
  description = "Deployment zip of the ordering release function; defaults to dist/ordering-release.zip built by `make build`."
  type        = string
  default     = null
}

# --- Messaging gateway (modules/messaging-gateway) ------------------------------
# Off unless messaging_enabled. The settings below pass through to the module
# under the same names with the same defaults (the module validates them; the
# local stack reads the module defaults): test/unit/terraform/source-of-truth.test.ts
# holds root and module defaults equal.

variable "messaging_enabled" {
  description = "Deploy the Open Messaging gateway (webhook endpoint, FIFO queues, forwarder, dispatcher, token refresher, attachment bucket, secrets)."
  type        = bool
  default     = false
}

variable "messaging_name_prefix" {
  description = "Prefix of every resource name (queues, functions, table, bucket, secrets)."
  type        = string
  default     = "genesys-messaging"
}

variable "messaging_package_dir" {
  description = "Directory of the deployment zips built by `make build` (<function>.zip, index.mjs exporting handler). Null: dist/ at the repository root."
  type        = string
  default     = null
}

variable "messaging_log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the messaging functions."
  type        = string
  default     = "INFO"
}

variable "messaging_tracing_mode" {
  description = "X-Ray tracing mode of the messaging functions (Active or PassThrough)."
  type        = string
  default     = "Active"
}

variable "ingest_memory_mb" {
  description = "Memory of the ingest function (it verifies, normalises and enqueues; no downstream call)."
  type        = number
  default     = 256
}

variable "ingest_timeout_seconds" {
  description = "Timeout of the ingest function; Genesys gives its webhook 10 s, so the function must answer well inside that."
  type        = number
  default     = 6
}

variable "ingest_throttling_burst_limit" {
  description = "Default route burst limit of the HTTP API stage: a flood beyond it is answered 429 by API Gateway before it reaches Lambda (platforms resend)."
  type        = number
  default     = 500
}

variable "ingest_throttling_rate_limit" {
  description = "Default route steady rate limit (requests per second) of the HTTP API stage."
  type        = number
  default     = 1000
}

variable "max_webhook_bytes" {
  description = "Largest webhook body the ingest function accepts (413 above); HTTP API allows 10 MB, no platform batch is near 1 MiB (MAX_WEBHOOK_BYTES)."
  type        = number
  default     = 1048576
}

variable "forwarder_batch_size" {
  description = "Records per forwarder invocation; FIFO event source mappings allow at most 10."
  type        = number
  default     = 10
}

variable "forwarder_timeout_seconds" {
  description = "Forwarder timeout; the inbound and maintenance queues' visibility timeout is six times this (AWS guidance for SQS event sources)."
  type        = number
  default     = 30
}

variable "forwarder_memory_mb" {
  description = "Forwarder memory (attachments are streamed to S3, never held whole)."
  type        = number
  default     = 512
}

variable "forwarder_maximum_concurrency" {
  description = "ScalingConfig.MaximumConcurrency of each forwarder event source mapping (inbound and maintenance); Lambda's minimum is 2."
  type        = number
  default     = 5
}

variable "messaging_max_receive_count" {
  description = "maxReceiveCount of the inbound, outbound and maintenance FIFO queues before a message goes to their DLQ (the dispatcher posts the Failed receipt and dead-letters on this receive itself: MAX_RECEIVE_COUNT)."
  type        = number
  default     = 5
}

variable "messaging_message_retention_seconds" {
  description = "Retention of the inbound, outbound and maintenance queues: long enough to hold a Genesys outage (default 4 days); DLQs keep 14 days."
  type        = number
  default     = 345600
}

variable "inbound_oldest_message_alarm_seconds" {
  description = "Alarm when the oldest inbound message waits longer than this (Genesys slow, rate limit too low, forwarder failing)."
  type        = number
  default     = 300
}

variable "dispatcher_batch_size" {
  description = "Records per dispatcher invocation; FIFO event source mappings allow at most 10."
  type        = number
  default     = 10
}

variable "dispatcher_timeout_seconds" {
  description = "Dispatcher timeout; the outbound queue's visibility timeout is six times this. A record is started only while the platform call (10 s), the Genesys receipt (10 s), the rate-limit wait (up to 5 s) and 3 s to report still fit: at 30 s an invocation could start records only in its first 4 s, so a batch waiting on the platform limits held most of its records (each hold spends a receive; a demo run dead-lettered a reply that way); 60 s leaves about 34 s."
  type        = number
  default     = 60
}

variable "dispatcher_memory_mb" {
  description = "Dispatcher memory (agent attachments are streamed to S3 one 5 MiB part at a time, never held whole)."
  type        = number
  default     = 512
}

variable "dispatcher_maximum_concurrency" {
  description = "ScalingConfig.MaximumConcurrency of the dispatcher's event source mapping on the outbound queue; Lambda's minimum is 2. The platform limits hold across instances whatever this is (shared DynamoDB buckets)."
  type        = number
  default     = 5
}

variable "line_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to LINE (LINE_SEND_RATE_PER_SECOND)."
  type        = number
  default     = 80
}

variable "telegram_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to Telegram (TELEGRAM_SEND_RATE_PER_SECOND); Telegram allows a bot about 30 messages per second."
  type        = number
  default     = 30
}

variable "telegram_chat_send_rate_per_second" {
  description = "Sends per second to one Telegram chat (TELEGRAM_CHAT_SEND_RATE_PER_SECOND); Telegram allows about one message per second per chat."
  type        = number
  default     = 1
}

variable "viber_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to Viber (VIBER_SEND_RATE_PER_SECOND)."
  type        = number
  default     = 80
}

variable "whatsapp_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to the WhatsApp Cloud API (WHATSAPP_SEND_RATE_PER_SECOND); its default throughput is 80 messages per second per phone number, up to 1,000 when Meta raises it."
  type        = number
  default     = 80
}

variable "viber_sender_name" {
  description = "Sender name Viber shows on the dispatcher's messages (VIBER_SENDER_NAME; send_message requires one, at most 28 characters)."
  type        = string
  default     = "Support"
}

variable "outbound_oldest_message_alarm_seconds" {
  description = "Alarm when the oldest agent reply waits in the outbound queue longer than this (platform throttling, send rate too low, dispatcher failing)."
  type        = number
  default     = 300
}

variable "genesys_region_host" {
  description = "Genesys Cloud region host, e.g. mypurecloud.com, mypurecloud.ie, euw2.pure.cloud: the API is https://api.<host>, login https://login.<host>."
  type        = string
  default     = "mypurecloud.com"
}

variable "genesys_api_url" {
  description = "Override of the Genesys Platform API base URL (GENESYS_API_URL); null: https://api.<genesys_region_host>."
  type        = string
  default     = null
}

variable "genesys_login_url" {
  description = "Override of the Genesys login (OAuth) base URL (GENESYS_LOGIN_URL); null: https://login.<genesys_region_host>."
  type        = string
  default     = null
}

variable "genesys_integration_id" {
  description = "Id of the Genesys Open Messaging integration (GENESYS_INTEGRATION_ID), the output integration_id of terraform/genesys; empty until that root is applied (two-phase apply, terraform/README.md)."
  type        = string
  default     = ""
}

variable "genesys_rate_limit_per_minute" {
  description = "Requests per minute all forwarder and dispatcher instances together send to Genesys, messages and receipts alike (GENESYS_RATE_LIMIT_PER_MINUTE); the Platform API default is 300 per token."
  type        = number
  default     = 300
}

variable "genesys_breaker_failure_threshold" {
  description = "Failure ratio of Genesys calls over the window that opens the breaker (the forwarder then diverts to the maintenance queue; the dispatcher holds the message by visibility)."
  type        = number
  default     = 0.1
}

variable "genesys_breaker_window_seconds" {
  description = "Sliding window of the Genesys breaker (forwarder and dispatcher)."
  type        = number
  default     = 30
}

variable "genesys_breaker_half_open_after_seconds" {
  description = "How long the Genesys breaker (forwarder and dispatcher) stays open before one trial call."
  type        = number
  default     = 10
}

variable "token_refresh_rate_minutes" {
  description = "How often the token refresher renews the shared Genesys token; Genesys client-credentials tokens live 24 h by default, so every 30 min keeps the token far from expiry."
  type        = number
  default     = 30
}

variable "max_attachment_bytes" {
  description = "Largest attachment forwarded (MAX_ATTACHMENT_BYTES); Genesys accepts 25 MB. A larger one goes to the DLQ with the reason."
  type        = number
  default     = 26214400
}

variable "attachment_retention_days" {
  description = "Days an attachment stays in the bucket (lifecycle expiry): long enough for Genesys to fetch it, short because it is customer content."
  type        = number
  default     = 2
}

variable "attachment_url_ttl_seconds" {
  description = "Requested lifetime of the pre-signed attachment URL. A URL signed with the function's temporary credentials dies with its session (at most the role session, 12 h), whatever it asks for: keep it at or under 43200 (design §1)."
  type        = number
  default     = 3600
}

variable "webhook_secrets" {
  description = "Webhook verification secrets (WebhookSecrets in shared/messaging/contract.ts). Null: the secret is created empty and filled with aws secretsmanager put-secret-value."
  type = object({
    lineChannelSecret    = string
    telegramSecretToken  = string
    viberAuthToken       = string
    whatsappAppSecret    = string
    whatsappVerifyToken  = string
    genesysWebhookSecret = string
  })
  default   = null
  sensitive = true
}

variable "genesys_oauth_client" {
  description = "Genesys OAuth client-credentials grant (GenesysOAuthSecret: clientId, clientSecret). Null: created empty, filled out of band."
  type = object({
    clientId     = string
    clientSecret = string
  })
  default   = null
  sensitive = true
}

variable "platform_credentials" {
  description = "Platform API credentials (PlatformCredentials: the forwarder's media downloads, the dispatcher's sends). Null: created empty, filled out of band."
  type = object({
    lineChannelAccessToken = string
    telegramBotToken       = string
    viberAuthToken         = string
    whatsappAccessToken    = string
    whatsappPhoneNumberId  = string
  })
  default   = null
  sensitive = true
}

variable "platform_api_urls" {
  description = "Base URLs of the platform APIs (PLATFORM_API_DEFAULTS in shared/messaging/contract.ts)."
  type = object({
    line      = string
    line_data = string
    telegram  = string
    viber     = string
    whatsapp  = string
  })
  default = {
    line      = "https://api.line.me"
    line_data = "https://api-data.line.me"
    telegram  = "https://api.telegram.org"
    viber     = "https://chatapi.viber.com"
    whatsapp  = "https://graph.facebook.com/v21.0"
  }
}
