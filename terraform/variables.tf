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
  default     = 10

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
