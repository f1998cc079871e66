variable "name_prefix" {
  description = "Prefix of the dashboard name."
  type        = string
}

variable "event_bus_name" {
  description = "Partner event bus of the pipeline."
  type        = string
}

variable "rule_names" {
  description = "Rules of the pipeline (one per topic family)."
  type        = list(string)
}

variable "buffer_queue_name" {
  description = "Buffer queue name."
  type        = string
}

variable "dlq_names" {
  description = "Dead-letter queue names."
  type        = list(string)
}

variable "function_name" {
  description = "Consumer Lambda function name."
  type        = string
}

variable "projection_table_name" {
  description = "Projection table name."
  type        = string
}

variable "alarm_arns" {
  description = "Alarms shown in the dashboard's alarm status widget."
  type        = list(string)
  default     = []
}
