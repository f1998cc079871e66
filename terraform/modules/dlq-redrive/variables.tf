variable "name_prefix" {
  description = "Prefix of every name: <name_prefix>-dlq-redrive (state machine, role, alarm), <name_prefix>-dlq-quarantine-<account>-<region> (bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,29}$", var.name_prefix))
    error_message = "name_prefix must be 1-30 lowercase letters, digits or '-' (it becomes part of an S3 bucket name)."
  }
}

variable "definition" {
  description = "The state machine definition: the contents of terraform/state-machines/dlq-redrive.asl.json (the local stack runs the same file)."
  type        = string

  validation {
    condition     = can(jsondecode(var.definition).StartAt) && can(jsondecode(var.definition).States)
    error_message = "definition must be an Amazon States Language document (JSON with StartAt and States)."
  }
}

variable "queue_pairs" {
  description = "The DLQs the workflow may inspect and empty, each with the queue its messages go back to. The role is granted exactly these queues."
  type = list(object({
    dlq_arn    = string
    source_arn = string
  }))

  validation {
    condition     = length(var.queue_pairs) > 0 && alltrue([for p in var.queue_pairs : can(regex("^arn:aws[a-z-]*:sqs:", p.dlq_arn)) && can(regex("^arn:aws[a-z-]*:sqs:", p.source_arn))])
    error_message = "queue_pairs needs at least one { dlq_arn, source_arn } pair of SQS queue ARNs."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the quarantine bucket and the workflow's log group (its key policy must let CloudWatch Logs use it for that log group: pass log_group_name to the encryption module)."
  type        = string
}

variable "quarantine_prefix" {
  description = "Key prefix of quarantined messages (<prefix>/<yyyy-mm-dd>/<messageId>.json). The role may write only under it; pass the same value as quarantinePrefix in the execution input (the CLI does)."
  type        = string
  default     = "quarantine"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.quarantine_prefix))
    error_message = "quarantine_prefix must be an S3 key prefix without leading or trailing '/'."
  }
}

variable "quarantine_retention_days" {
  description = "Days a quarantined message is kept before S3 expires it (noncurrent versions: quarantine_noncurrent_retention_days more)."
  type        = number
  default     = 90

  validation {
    condition     = var.quarantine_retention_days >= 1
    error_message = "quarantine_retention_days must be at least 1."
  }
}

variable "quarantine_noncurrent_retention_days" {
  description = "Days an overwritten or deleted quarantine object version is kept (versioning protects against accidental deletion)."
  type        = number
  default     = 30

  validation {
    condition     = var.quarantine_noncurrent_retention_days >= 1
    error_message = "quarantine_noncurrent_retention_days must be at least 1."
  }
}

variable "quarantine_force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds quarantined messages."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Execution history sent to CloudWatch Logs: ALL (every state), ERROR (failures only) or FATAL."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be ALL, ERROR or FATAL."
  }
}

variable "include_execution_data" {
  description = "Log state input and output. They hold message bodies (customer data), so this is off unless you are debugging."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the workflow's log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm changes state."
  type        = list(string)
  default     = []
}
