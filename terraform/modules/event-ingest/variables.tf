variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
}

variable "partner_event_source_name" {
  description = "Genesys Cloud partner event source, aws.partner/genesys.com/cloud/<org id>/<suffix>; also the name of the bus that associates it."
  type        = string

  validation {
    condition     = can(regex("^aws\\.partner/genesys\\.com/cloud/[0-9a-f-]{36}/[A-Za-z0-9._-]+$", var.partner_event_source_name))
    error_message = "partner_event_source_name must be aws.partner/genesys.com/cloud/<org id>/<suffix>."
  }
}

variable "event_patterns" {
  description = "EventBridge event pattern (JSON) per topic family; one rule per entry, named <name_prefix>-<key>. The patterns must not overlap, or an event reaches the buffer once per matching rule."
  type        = map(string)

  validation {
    condition     = length(var.event_patterns) > 0 && alltrue([for p in values(var.event_patterns) : can(jsondecode(p))])
    error_message = "event_patterns must hold at least one pattern, each valid JSON."
  }

  validation {
    condition     = alltrue([for family in keys(var.event_patterns) : can(regex("^[a-z0-9-]{1,32}$", family))])
    error_message = "event_patterns keys become rule names: use 1-32 lower-case letters, digits or '-'."
  }
}

variable "rule_target_max_retry_attempts" {
  description = "EventBridge retries of a failed delivery to the buffer before the event goes to the target DLQ."
  type        = number

  validation {
    condition     = var.rule_target_max_retry_attempts >= 0 && var.rule_target_max_retry_attempts <= 185
    error_message = "rule_target_max_retry_attempts must be between 0 and 185."
  }
}

variable "rule_target_max_event_age_seconds" {
  description = "Oldest event EventBridge still tries to deliver to the buffer."
  type        = number

  validation {
    condition     = var.rule_target_max_event_age_seconds >= 60 && var.rule_target_max_event_age_seconds <= 86400
    error_message = "rule_target_max_event_age_seconds must be between 60 and 86400."
  }
}

variable "consumer_timeout_seconds" {
  description = "Timeout of the function that consumes the buffer; the buffer's visibility timeout is 6x this (AWS guidance for Lambda event sources)."
  type        = number

  validation {
    condition     = var.consumer_timeout_seconds >= 1 && var.consumer_timeout_seconds * 6 <= 43200
    error_message = "consumer_timeout_seconds x 6 must fit the SQS visibility timeout limit (43200 s)."
  }
}

variable "buffer_max_receive_count" {
  description = "Receives of a buffer message before SQS moves it to the buffer DLQ."
  type        = number

  validation {
    condition     = var.buffer_max_receive_count >= 1 && var.buffer_max_receive_count <= 1000
    error_message = "buffer_max_receive_count must be between 1 and 1000."
  }
}

variable "buffer_message_retention_seconds" {
  description = "Retention of the buffer queue; must stay below the DLQs' 14 days."
  type        = number

  validation {
    condition     = var.buffer_message_retention_seconds >= 60 && var.buffer_message_retention_seconds < 1209600
    error_message = "buffer_message_retention_seconds must be between 60 and 1209599."
  }
}

variable "oldest_message_alarm_seconds" {
  description = "Alarm threshold on the buffer's ApproximateAgeOfOldestMessage."
  type        = number
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm changes state."
  type        = list(string)
  default     = []
}

variable "archive_retention_days" {
  description = "Days the EventBridge archive keeps each event: how far back a replay can rebuild the projection."
  type        = number

  validation {
    condition     = var.archive_retention_days >= 1 && var.archive_retention_days == floor(var.archive_retention_days)
    error_message = "archive_retention_days must be a whole number of days, at least 1 (0 would keep events forever)."
  }
}

variable "kms_key_arn" {
  description = "KMS key the event archive is encrypted with; its key policy must let events.amazonaws.com use it for this bus (modules/encryption)."
  type        = string
}
