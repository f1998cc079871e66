variable "integration_name" {
  description = "Name of the integration in Genesys Cloud (Admin > Integrations)."
  type        = string
  default     = "Amazon EventBridge Source"
}

variable "aws_account_id" {
  description = "AWS account that receives the partner event source (awsAccountId)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be a 12-digit AWS account id."
  }
}

variable "aws_account_region" {
  description = "AWS region of the partner event source (awsAccountRegion); the event path must be deployed in the same region."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_account_region))
    error_message = "aws_account_region must be an AWS region name such as eu-west-1."
  }
}

variable "event_source_suffix" {
  description = "Suffix of the partner event source name (eventSourceSuffix)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.event_source_suffix))
    error_message = "event_source_suffix must be 1-64 characters of letters, digits, '.', '_' or '-'."
  }
}

variable "topic_filters" {
  description = "Genesys Cloud notification topics sent to EventBridge (eventFilter), with {id} placeholders, e.g. v2.users.{id}.presence. Topics no family rule names still reach the buffer through the catch-all rule."
  type        = list(string)

  validation {
    condition     = length(var.topic_filters) > 0 && alltrue([for t in var.topic_filters : can(regex("^v2\\.[A-Za-z0-9_.{}-]+$", t))])
    error_message = "topic_filters must list at least one topic, each starting with v2. (e.g. v2.detail.events.conversation.{id}.customer.start)."
  }
}

variable "intended_state" {
  description = "ENABLED to start sending events, DISABLED to pause them without deleting the integration."
  type        = string
  default     = "ENABLED"

  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.intended_state)
    error_message = "intended_state must be ENABLED or DISABLED."
  }
}
