variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
}

variable "package_path" {
  description = "Path of the release function's deployment zip built by `make build` (dist/ordering-release.zip)."
  type        = string
}

variable "hold_seconds" {
  description = "Hold window: an event becomes releasable this long after it arrived (the release queue's delay)."
  type        = number

  validation {
    condition     = var.hold_seconds >= 0 && var.hold_seconds <= 900 && floor(var.hold_seconds) == var.hold_seconds
    error_message = "hold_seconds must be a whole number from 0 to 900 (the SQS queue delay range)."
  }
}

variable "late_events" {
  description = "What happens to an event that arrives below its entity's watermark: mark (released with late = true) or drop (counted and logged, kept in the projection only)."
  type        = string

  validation {
    condition     = contains(["mark", "drop"], var.late_events)
    error_message = "late_events must be \"mark\" or \"drop\"."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the buffer table, the release function's log group and environment."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "table_deletion_protection" {
  description = "Deletion protection on the buffer table."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the release function's log group."
  type        = number
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the release function."
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

variable "release_timeout_seconds" {
  description = "Release function timeout; the release queue's visibility timeout is 6x this and must stay under SQS FIFO's 5-minute deduplication interval."
  type        = number
  default     = 30

  validation {
    condition     = var.release_timeout_seconds >= 3 && var.release_timeout_seconds * 6 < 300
    error_message = "release_timeout_seconds must be at least 3 and below 50 (6x it must stay under the 300 s FIFO deduplication interval)."
  }
}

variable "release_memory_mb" {
  description = "Release function memory."
  type        = number
  default     = 256

  validation {
    condition     = var.release_memory_mb >= 128 && var.release_memory_mb <= 10240
    error_message = "release_memory_mb must be between 128 and 10240."
  }
}

variable "release_max_concurrency" {
  description = "ScalingConfig.MaximumConcurrency of the release mapping (entities are released in parallel, each one at a time)."
  type        = number
  default     = 5

  validation {
    condition     = var.release_max_concurrency >= 2 && var.release_max_concurrency <= 1000
    error_message = "release_max_concurrency must be between 2 and 1000."
  }
}

variable "release_reserved_concurrency" {
  description = "Reserved concurrency of the release function; -1 reserves none."
  type        = number
  default     = -1

  validation {
    condition     = var.release_reserved_concurrency == -1 || var.release_reserved_concurrency >= var.release_max_concurrency
    error_message = "release_reserved_concurrency must be -1 or at least release_max_concurrency."
  }
}

variable "release_max_receive_count" {
  description = "Receives of a release trigger before it moves to the release DLQ."
  type        = number
  default     = 5

  validation {
    condition     = var.release_max_receive_count >= 1 && var.release_max_receive_count <= 1000
    error_message = "release_max_receive_count must be between 1 and 1000."
  }
}

variable "feed_visibility_timeout_seconds" {
  description = "Visibility timeout of the ordered feed (how long the downstream consumer holds a message)."
  type        = number
  default     = 60

  validation {
    condition     = var.feed_visibility_timeout_seconds >= 0 && var.feed_visibility_timeout_seconds <= 43200
    error_message = "feed_visibility_timeout_seconds must be between 0 and 43200."
  }
}

variable "feed_message_retention_seconds" {
  description = "How long the ordered feed keeps a message the downstream has not read."
  type        = number
  default     = 345600

  validation {
    condition     = var.feed_message_retention_seconds >= 60 && var.feed_message_retention_seconds <= 1209600
    error_message = "feed_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "feed_max_receive_count" {
  description = "Receives of a feed message before it moves to the feed DLQ."
  type        = number
  default     = 5

  validation {
    condition     = var.feed_max_receive_count >= 1 && var.feed_max_receive_count <= 1000
    error_message = "feed_max_receive_count must be between 1 and 1000."
  }
}

variable "feed_oldest_message_alarm_seconds" {
  description = "Alarm when the oldest ordered-feed message is older than this."
  type        = number
  default     = 900
}

variable "late_events_alarm_threshold" {
  description = "Alarm when more late events than this reach the feed in 5 minutes."
  type        = number
  default     = 0
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm changes state."
  type        = list(string)
  default     = []
}
