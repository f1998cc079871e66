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
