variable "name_prefix" {
  description = "Prefix of the table names."
  type        = string
}

variable "function_name" {
  description = "Name of the consumer Lambda function."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, '-' or '_'."
  }
}

variable "package_path" {
  description = "Path of the deployment zip built by `make build` (index.mjs exporting handler)."
  type        = string
}

variable "timeout_seconds" {
  description = "Function timeout."
  type        = number

  validation {
    condition     = var.timeout_seconds >= 3 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 3 and 900."
  }
}

variable "memory_mb" {
  description = "Function memory."
  type        = number

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 128 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrency; -1 reserves none."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrency == -1 || var.reserved_concurrency >= var.max_concurrency
    error_message = "reserved_concurrency must be -1 or at least max_concurrency, or Lambda throttles the event source mapping."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode (Active or PassThrough)."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key for the tables, the log group and the function's environment."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "table_deletion_protection" {
  description = "Deletion protection on both tables."
  type        = bool
  default     = true
}

variable "buffer_queue_arn" {
  description = "ARN of the queue the function consumes."
  type        = string
}

variable "buffer_queue_url" {
  description = "URL of the queue the function consumes (BUFFER_QUEUE_URL)."
  type        = string
}

variable "buffer_dlq_arn" {
  description = "ARN of the buffer's DLQ, where the function dead-letters poison messages itself."
  type        = string
}

variable "buffer_dlq_url" {
  description = "URL of the buffer's DLQ (BUFFER_DLQ_URL)."
  type        = string
}

variable "buffer_max_receive_count" {
  description = "The buffer's maxReceiveCount (BUFFER_MAX_RECEIVE_COUNT): the function backs off by receive count and knows the last attempt."
  type        = number
}

variable "batch_size" {
  description = "Records per invocation."
  type        = number

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }

  validation {
    condition     = var.batch_size <= 10 || var.batching_window_seconds >= 1
    error_message = "A batch_size above 10 needs batching_window_seconds of at least 1 (Lambda rule for SQS event sources)."
  }
}

variable "batching_window_seconds" {
  description = "MaximumBatchingWindowInSeconds of the event source mapping."
  type        = number

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300
    error_message = "batching_window_seconds must be between 0 and 300."
  }
}

variable "max_concurrency" {
  description = "ScalingConfig.MaximumConcurrency of the event source mapping."
  type        = number

  validation {
    condition     = var.max_concurrency >= 2 && var.max_concurrency <= 1000
    error_message = "max_concurrency must be between 2 and 1000."
  }
}

variable "idempotency_ttl_seconds" {
  description = "IDEMPOTENCY_TTL_SECONDS."
  type        = number
}

variable "idempotency_enabled" {
  description = "IDEMPOTENCY_ENABLED (false: pure projection)."
  type        = bool
}

variable "event_future_skew_seconds" {
  description = "EVENT_FUTURE_SKEW_SECONDS."
  type        = number
}

variable "max_event_bytes" {
  description = "MAX_EVENT_BYTES."
  type        = number
}

variable "retry_backoff_base_seconds" {
  description = "RETRY_BACKOFF_BASE_SECONDS."
  type        = number
}

variable "retry_backoff_cap_seconds" {
  description = "RETRY_BACKOFF_CAP_SECONDS."
  type        = number
}

variable "breaker" {
  description = "Circuit breaker around the projection store: BREAKER_FAILURE_THRESHOLD, BREAKER_WINDOW_SECONDS, BREAKER_MINIMUM_RPS, BREAKER_HALF_OPEN_AFTER_SECONDS."
  type = object({
    failure_threshold       = number
    window_seconds          = number
    minimum_rps             = number
    half_open_after_seconds = number
  })
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm changes state."
  type        = list(string)
  default     = []
}

variable "ordering" {
  description = "The ordering buffer the consumer writes to (ORDERING_* environment, a PutItem on the table and a SendMessage on the release queue), or null when ordering is off."
  type = object({
    buffer_table_name = string
    buffer_table_arn  = string
    release_queue_url = string
    release_queue_arn = string
    hold_seconds      = number
  })
  default = null
}
