variable "name_prefix" {
  description = "Prefix of the key alias (alias/<name_prefix>)."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before the key is deleted once scheduled for deletion."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30 (KMS limits)."
  }
}

variable "consumer_log_group_names" {
  description = "CloudWatch Logs log groups allowed to encrypt with the key (exact names). CloudWatch Logs needs a key-policy grant; IAM policies cannot give it."
  type        = list(string)

  validation {
    condition     = alltrue([for name in var.consumer_log_group_names : can(regex("^[\\w./#-]{1,512}$", name))])
    error_message = "consumer_log_group_names must be CloudWatch Logs log group names."
  }
}

variable "archived_event_bus_names" {
  description = "Event buses whose EventBridge archive is encrypted with the key (the encryption context names the bus). EventBridge needs a key-policy grant; IAM policies cannot give it."
  type        = list(string)
  default     = []
}
