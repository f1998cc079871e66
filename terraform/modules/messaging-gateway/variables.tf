# Inputs of the messaging gateway. The settings with defaults are the one
# source of truth for the deployed stack AND the local stack: scripts/local
# reads these defaults with readVariableDefaults (shared/config/stack-spec.ts),
# and terraform/variables.tf passes them through under the same names with the
# same defaults (test/unit/terraform/source-of-truth.test.ts holds both).

# --- Naming, encryption, operations -----------------------------------------

# Names derived from name_prefix (the local stack uses the same):
#   queues     <p>-inbound.fifo, <p>-inbound-dlq.fifo, <p>-outbound.fifo,
#              <p>-outbound-dlq.fifo, <p>-maintenance.fifo, <p>-maintenance-dlq.fifo
#   functions  <p>-ingest, <p>-forwarder, <p>-dispatcher, <p>-token-refresher
#   table      <p>-state        bucket <p>-attachments-<account id>
#   secrets    <p>/webhook-secrets, <p>/genesys-oauth, <p>/genesys-token,
#              <p>/platform-credentials
variable "name_prefix" {
  description = "Prefix of every resource name (queues, functions, table, bucket, secrets)."
  type        = string
  default     = "genesys-messaging"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,30}$", var.name_prefix))
    error_message = "name_prefix must be 1-31 lower-case letters, digits or '-' (it becomes part of an S3 bucket name and a .fifo queue name)."
  }
}

variable "kms_key_arn" {
  description = "The project's customer managed KMS key (module encryption): queues, table, bucket, secrets, log groups and function environments."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "package_dir" {
  description = "Directory of the deployment zips built by `make build` (<function>.zip, index.mjs exporting handler). Null: dist/ at the repository root."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the functions' and the API's log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the messaging functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode of the messaging functions (Active or PassThrough)."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "alarm_actions" {
  description = "SNS topic ARNs notified when a messaging alarm fires (and recovers)."
  type        = list(string)
  default     = []
}

variable "table_deletion_protection" {
  description = "Deletion protection on the messaging state table."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to the module's resources (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

# --- Ingest (HTTP API + function) ----------------------------------------------

variable "ingest_memory_mb" {
  description = "Memory of the ingest function (it verifies, normalises and enqueues; no downstream call)."
  type        = number
  default     = 256

  validation {
    condition     = var.ingest_memory_mb >= 128 && var.ingest_memory_mb <= 10240
    error_message = "ingest_memory_mb must be between 128 and 10240."
  }
}

variable "ingest_timeout_seconds" {
  description = "Timeout of the ingest function; Genesys gives its webhook 10 s, so the function must answer well inside that."
  type        = number
  default     = 6

  validation {
    condition     = var.ingest_timeout_seconds >= 1 && var.ingest_timeout_seconds <= 9
    error_message = "ingest_timeout_seconds must be between 1 and 9 (Genesys waits 10 s for its webhook)."
  }
}

variable "ingest_throttling_burst_limit" {
  description = "Default route burst limit of the HTTP API stage: a flood beyond it is answered 429 by API Gateway before it reaches Lambda (platforms resend)."
  type        = number
  default     = 500

  validation {
    condition     = var.ingest_throttling_burst_limit >= 1 && var.ingest_throttling_burst_limit <= 5000
    error_message = "ingest_throttling_burst_limit must be between 1 and 5000 (the account-level HTTP API burst)."
  }
}

variable "ingest_throttling_rate_limit" {
  description = "Default route steady rate limit (requests per second) of the HTTP API stage."
  type        = number
  default     = 1000

  validation {
    condition     = var.ingest_throttling_rate_limit >= 1 && var.ingest_throttling_rate_limit <= 10000
    error_message = "ingest_throttling_rate_limit must be between 1 and 10000 (the account-level HTTP API rate)."
  }
}

variable "max_webhook_bytes" {
  description = "Largest webhook body the ingest function accepts (413 above); HTTP API allows 10 MB, no platform batch is near 1 MiB (MAX_WEBHOOK_BYTES)."
  type        = number
  default     = 1048576

  validation {
    condition     = var.max_webhook_bytes >= 1024 && var.max_webhook_bytes <= 10485760
    error_message = "max_webhook_bytes must be between 1 KiB and 10 MiB (the HTTP API payload limit)."
  }
}

# --- Forwarder (FIFO consumer of the inbound and maintenance queues) --------------

variable "forwarder_batch_size" {
  description = "Records per forwarder invocation; FIFO event source mappings allow at most 10."
  type        = number
  default     = 10

  validation {
    condition     = var.forwarder_batch_size >= 1 && var.forwarder_batch_size <= 10
    error_message = "forwarder_batch_size must be between 1 and 10 (the Lambda limit for FIFO queues)."
  }
}

variable "forwarder_timeout_seconds" {
  description = "Forwarder timeout; the inbound and maintenance queues' visibility timeout is six times this (AWS guidance for SQS event sources)."
  type        = number
  default     = 30

  validation {
    condition     = var.forwarder_timeout_seconds >= 3 && var.forwarder_timeout_seconds <= 900
    error_message = "forwarder_timeout_seconds must be between 3 and 900."
  }
}

variable "forwarder_memory_mb" {
  description = "Forwarder memory (attachments are streamed to S3, never held whole)."
  type        = number
  default     = 512

  validation {
    condition     = var.forwarder_memory_mb >= 128 && var.forwarder_memory_mb <= 10240
    error_message = "forwarder_memory_mb must be between 128 and 10240."
  }
}

variable "forwarder_maximum_concurrency" {
  description = "ScalingConfig.MaximumConcurrency of each forwarder event source mapping (inbound and maintenance); Lambda's minimum is 2."
  type        = number
  default     = 5

  validation {
    condition     = var.forwarder_maximum_concurrency >= 2 && var.forwarder_maximum_concurrency <= 1000
    error_message = "forwarder_maximum_concurrency must be between 2 and 1000 (Lambda limits for maximum concurrency)."
  }
}

variable "messaging_max_receive_count" {
  description = "maxReceiveCount of the inbound, outbound and maintenance FIFO queues before a message goes to their DLQ (the dispatcher posts the Failed receipt and dead-letters on this receive itself: MAX_RECEIVE_COUNT)."
  type        = number
  default     = 5

  validation {
    condition     = var.messaging_max_receive_count >= 1 && var.messaging_max_receive_count <= 1000
    error_message = "messaging_max_receive_count must be between 1 and 1000."
  }
}

variable "messaging_message_retention_seconds" {
  description = "Retention of the inbound, outbound and maintenance queues: long enough to hold a Genesys outage (default 4 days); DLQs keep 14 days."
  type        = number
  default     = 345600

  validation {
    condition     = var.messaging_message_retention_seconds >= 60 && var.messaging_message_retention_seconds <= 1209600
    error_message = "messaging_message_retention_seconds must be between 60 and 1209600 (SQS limits)."
  }
}

variable "inbound_oldest_message_alarm_seconds" {
  description = "Alarm when the oldest inbound message waits longer than this (Genesys slow, rate limit too low, forwarder failing)."
  type        = number
  default     = 300

  validation {
    condition     = var.inbound_oldest_message_alarm_seconds >= 60
    error_message = "inbound_oldest_message_alarm_seconds must be at least 60."
  }
}

# --- Dispatcher (FIFO consumer of the outbound queue) --------------------------------
# The send rates are the dispatcher's per-platform DynamoDB buckets
# (shared/messaging/dispatcher/config.ts, defaults DEFAULT_SEND_RATES and
# DEFAULT_TELEGRAM_CHAT_RATE, which test/unit/terraform holds equal to these).
# Each send is one conditional write on its platform's bucket item, and
# DynamoDB takes about 1,000 writes per second on one item: no rate above
# 1,000/s could be kept.

variable "dispatcher_batch_size" {
  description = "Records per dispatcher invocation; FIFO event source mappings allow at most 10."
  type        = number
  default     = 10

  validation {
    condition     = var.dispatcher_batch_size >= 1 && var.dispatcher_batch_size <= 10
    error_message = "dispatcher_batch_size must be between 1 and 10 (the Lambda limit for FIFO queues)."
  }
}

variable "dispatcher_timeout_seconds" {
  description = "Dispatcher timeout; the outbound queue's visibility timeout is six times this. A record is started only while the platform call (10 s), the Genesys receipt (10 s), the rate-limit wait (up to 5 s) and 3 s to report still fit: at 30 s an invocation could start records only in its first 4 s, so a batch waiting on the platform limits held most of its records (each hold spends a receive; a demo run dead-lettered a reply that way); 60 s leaves about 34 s."
  type        = number
  default     = 60

  validation {
    condition     = var.dispatcher_timeout_seconds >= 30 && var.dispatcher_timeout_seconds <= 900
    error_message = "dispatcher_timeout_seconds must be between 30 and 900: below 30 s no record fits the platform call (10 s), the Genesys receipt (10 s), the rate-limit wait and 3 s to report, and every message would be held until it dead-letters."
  }
}

variable "dispatcher_memory_mb" {
  description = "Dispatcher memory (agent attachments are streamed to S3 one 5 MiB part at a time, never held whole)."
  type        = number
  default     = 512

  validation {
    condition     = var.dispatcher_memory_mb >= 128 && var.dispatcher_memory_mb <= 10240
    error_message = "dispatcher_memory_mb must be between 128 and 10240."
  }
}

variable "dispatcher_maximum_concurrency" {
  description = "ScalingConfig.MaximumConcurrency of the dispatcher's event source mapping on the outbound queue; Lambda's minimum is 2. The platform limits hold across instances whatever this is (shared DynamoDB buckets)."
  type        = number
  default     = 5

  validation {
    condition     = var.dispatcher_maximum_concurrency >= 2 && var.dispatcher_maximum_concurrency <= 1000
    error_message = "dispatcher_maximum_concurrency must be between 2 and 1000 (Lambda limits for maximum concurrency)."
  }
}

variable "line_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to LINE (LINE_SEND_RATE_PER_SECOND)."
  type        = number
  default     = 80

  validation {
    condition     = var.line_send_rate_per_second > 0 && var.line_send_rate_per_second <= 1000
    error_message = "line_send_rate_per_second must be a number above 0 and at most 1000 (one DynamoDB bucket item takes about 1,000 writes per second); LINE's push limit is higher, so 1000 is the most to set."
  }
}

variable "telegram_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to Telegram (TELEGRAM_SEND_RATE_PER_SECOND); Telegram allows a bot about 30 messages per second."
  type        = number
  default     = 30

  validation {
    condition     = var.telegram_send_rate_per_second > 0 && var.telegram_send_rate_per_second <= 30
    error_message = "telegram_send_rate_per_second must be a number above 0 and at most 30: Telegram allows a bot about 30 messages per second and answers 429 above it; set 30 or less."
  }
}

variable "telegram_chat_send_rate_per_second" {
  description = "Sends per second to one Telegram chat (TELEGRAM_CHAT_SEND_RATE_PER_SECOND); Telegram allows about one message per second per chat."
  type        = number
  default     = 1

  validation {
    condition     = var.telegram_chat_send_rate_per_second > 0 && var.telegram_chat_send_rate_per_second <= 1
    error_message = "telegram_chat_send_rate_per_second must be a number above 0 and at most 1: Telegram allows about one message per second in a chat; set 1 or less (e.g. 0.5)."
  }
}

variable "viber_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to Viber (VIBER_SEND_RATE_PER_SECOND)."
  type        = number
  default     = 80

  validation {
    condition     = var.viber_send_rate_per_second > 0 && var.viber_send_rate_per_second <= 1000
    error_message = "viber_send_rate_per_second must be a number above 0 and at most 1000 (one DynamoDB bucket item takes about 1,000 writes per second)."
  }
}

variable "whatsapp_send_rate_per_second" {
  description = "Sends per second all dispatcher instances together make to the WhatsApp Cloud API (WHATSAPP_SEND_RATE_PER_SECOND); its default throughput is 80 messages per second per phone number, up to 1,000 when Meta raises it."
  type        = number
  default     = 80

  validation {
    condition     = var.whatsapp_send_rate_per_second > 0 && var.whatsapp_send_rate_per_second <= 1000
    error_message = "whatsapp_send_rate_per_second must be a number above 0 and at most 1000 (the Cloud API's highest throughput tier); keep it at your phone number's tier (80 unless Meta raised it)."
  }
}

variable "viber_sender_name" {
  description = "Sender name Viber shows on the dispatcher's messages (VIBER_SENDER_NAME; send_message requires one, at most 28 characters)."
  type        = string
  default     = "Support"

  validation {
    condition     = length(var.viber_sender_name) >= 1 && length(var.viber_sender_name) <= 28
    error_message = "viber_sender_name must be 1 to 28 characters (Viber's limit for sender.name)."
  }
}

variable "outbound_oldest_message_alarm_seconds" {
  description = "Alarm when the oldest agent reply waits in the outbound queue longer than this (platform throttling, send rate too low, dispatcher failing)."
  type        = number
  default     = 300

  validation {
    condition     = var.outbound_oldest_message_alarm_seconds >= 60
    error_message = "outbound_oldest_message_alarm_seconds must be at least 60."
  }
}

# --- Genesys Cloud --------------------------------------------------------------

variable "genesys_region_host" {
  description = "Genesys Cloud region host, e.g. mypurecloud.com, mypurecloud.ie, euw2.pure.cloud: the API is https://api.<host>, login https://login.<host>."
  type        = string
  default     = "mypurecloud.com"

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]+$", var.genesys_region_host))
    error_message = "genesys_region_host must be a bare host name such as mypurecloud.com (no scheme, no path)."
  }
}

variable "genesys_api_url" {
  description = "Override of the Genesys Platform API base URL (GENESYS_API_URL); null: https://api.<genesys_region_host>."
  type        = string
  default     = null

  validation {
    condition     = var.genesys_api_url == null || can(regex("^https://", var.genesys_api_url))
    error_message = "genesys_api_url must be an https:// URL."
  }
}

variable "genesys_login_url" {
  description = "Override of the Genesys login (OAuth) base URL (GENESYS_LOGIN_URL); null: https://login.<genesys_region_host>."
  type        = string
  default     = null

  validation {
    condition     = var.genesys_login_url == null || can(regex("^https://", var.genesys_login_url))
    error_message = "genesys_login_url must be an https:// URL."
  }
}

variable "genesys_integration_id" {
  description = "Id of the Genesys Open Messaging integration (GENESYS_INTEGRATION_ID), the output integration_id of terraform/genesys; empty until that root is applied (two-phase apply, terraform/README.md)."
  type        = string
  default     = ""

  validation {
    condition     = var.genesys_integration_id == "" || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.genesys_integration_id))
    error_message = "genesys_integration_id must be empty or a Genesys Cloud id (a UUID)."
  }
}

variable "genesys_rate_limit_per_minute" {
  description = "Requests per minute all forwarder and dispatcher instances together send to Genesys, messages and receipts alike (GENESYS_RATE_LIMIT_PER_MINUTE); the Platform API default is 300 per token."
  type        = number
  default     = 300

  validation {
    condition     = var.genesys_rate_limit_per_minute >= 1 && var.genesys_rate_limit_per_minute <= 100000
    error_message = "genesys_rate_limit_per_minute must be between 1 and 100000."
  }
}

variable "genesys_breaker_failure_threshold" {
  description = "Failure ratio of Genesys calls over the window that opens the breaker (the forwarder then diverts to the maintenance queue; the dispatcher holds the message by visibility)."
  type        = number
  default     = 0.1

  validation {
    condition     = var.genesys_breaker_failure_threshold > 0 && var.genesys_breaker_failure_threshold < 1
    error_message = "genesys_breaker_failure_threshold must be a ratio strictly between 0 and 1."
  }
}

variable "genesys_breaker_window_seconds" {
  description = "Sliding window of the Genesys breaker (forwarder and dispatcher)."
  type        = number
  default     = 30

  validation {
    condition     = var.genesys_breaker_window_seconds >= 1 && var.genesys_breaker_window_seconds <= 600
    error_message = "genesys_breaker_window_seconds must be between 1 and 600."
  }
}

variable "genesys_breaker_half_open_after_seconds" {
  description = "How long the Genesys breaker (forwarder and dispatcher) stays open before one trial call."
  type        = number
  default     = 10

  validation {
    condition     = var.genesys_breaker_half_open_after_seconds >= 1 && var.genesys_breaker_half_open_after_seconds <= 600
    error_message = "genesys_breaker_half_open_after_seconds must be between 1 and 600."
  }
}

variable "token_refresh_rate_minutes" {
  description = "How often the token refresher renews the shared Genesys token; Genesys client-credentials tokens live 24 h by default, so every 30 min keeps the token far from expiry."
  type        = number
  default     = 30

  validation {
    condition     = var.token_refresh_rate_minutes >= 1 && var.token_refresh_rate_minutes <= 720
    error_message = "token_refresh_rate_minutes must be between 1 and 720."
  }
}

# --- Attachments ------------------------------------------------------------------

variable "max_attachment_bytes" {
  description = "Largest attachment forwarded (MAX_ATTACHMENT_BYTES); Genesys accepts 25 MB. A larger one goes to the DLQ with the reason."
  type        = number
  default     = 26214400

  validation {
    condition     = var.max_attachment_bytes >= 1 && var.max_attachment_bytes <= 26214400
    error_message = "max_attachment_bytes must be between 1 and 26214400 (Genesys's 25 MB)."
  }
}

variable "attachment_retention_days" {
  description = "Days an attachment stays in the bucket (lifecycle expiry): long enough for Genesys to fetch it, short because it is customer content."
  type        = number
  default     = 2

  validation {
    condition     = var.attachment_retention_days >= 1 && var.attachment_retention_days <= 2
    error_message = "attachment_retention_days must be 1 or 2."
  }
}

variable "attachment_url_ttl_seconds" {
  description = "Requested lifetime of the pre-signed attachment URL. A URL signed with the function's temporary credentials dies with its session (at most the role session, 12 h), whatever it asks for: keep it at or under 43200 (design §1)."
  type        = number
  default     = 3600

  validation {
    condition     = var.attachment_url_ttl_seconds >= 60 && var.attachment_url_ttl_seconds <= 43200
    error_message = "attachment_url_ttl_seconds must be between 60 and 43200 (a pre-signed URL cannot outlive the signing session)."
  }
}

# --- Secret values (optional; else the secrets are created empty, see README) ----

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

# --- Platform API base URLs (real hosts; tests point them at doubles) ------------

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
