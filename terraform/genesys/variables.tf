variable "aws_region" {
  description = "AWS region that receives the partner event source: the region the event path (..) is deployed to. null takes AWS_REGION or the AWS profile's region."
  type        = string
  default     = null

  validation {
    condition     = var.aws_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like an AWS region name, e.g. eu-west-1, or be null."
  }
}

variable "genesys_cloud_region" {
  description = "AWS region that hosts the Genesys Cloud organization (e.g. eu-west-1 for mypurecloud.ie). null takes GENESYSCLOUD_REGION."
  type        = string
  default     = null
}

variable "event_source_suffix" {
  description = "Suffix of the partner event source name; must equal the event path's event_source_suffix."
  type        = string
}

variable "topic_filters" {
  description = "Genesys Cloud topics sent to EventBridge. The defaults cover the event path's topic families (../event-patterns)."
  type        = list(string)
  default = [
    "v2.detail.events.conversation.{id}.customer.start",
    "v2.detail.events.conversation.{id}.customer.end",
    "v2.detail.events.conversation.{id}.acd.start",
    "v2.detail.events.conversation.{id}.acd.end",
    "v2.detail.events.conversation.{id}.user.start",
    "v2.detail.events.conversation.{id}.user.end",
    "v2.detail.events.conversation.{id}.acw",
    "v2.audits.entitytype.{id}.entityid.{id}",
    "v2.users.{id}.presence",
    "v2.routing.queues.{id}.conversations",
  ]
}

variable "integration_name" {
  description = "Name of the integration in Genesys Cloud."
  type        = string
  default     = "Amazon EventBridge Source"
}

variable "intended_state" {
  description = "ENABLED sends events; DISABLED pauses them."
  type        = string
  default     = "ENABLED"
}

# --- Messaging gateway: the Open Messaging integration (messaging.tf) -------------

variable "messaging_integration_enabled" {
  description = "Create the Open Messaging integration for the messaging gateway (the event path root must have messaging_enabled = true and be applied first)."
  type        = bool
  default     = false
}

variable "messaging_integration_name" {
  description = "Name of the Open Messaging integration in Genesys Cloud."
  type        = string
  default     = "Messaging gateway"
}

variable "messaging_webhook_url" {
  description = "Outbound notification webhook URL: the event path root's output messaging_genesys_webhook_url."
  type        = string
  default     = null
}

variable "messaging_webhook_secrets_name" {
  description = "Secrets Manager secret holding the ingest function's webhook secrets (its genesysWebhookSecret signs the outbound webhook): the event path root's messaging_secret_names.webhook."
  type        = string
  default     = "genesys-messaging/webhook-secrets"
}

variable "messaging_webhook_signature_secret" {
  description = "Override of the outbound webhook signature secret (more than 15 characters). Null: genesysWebhookSecret from messaging_webhook_secrets_name, the value the ingest function verifies."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.messaging_webhook_signature_secret == null || length(coalesce(var.messaging_webhook_signature_secret, "x")) > 15
    error_message = "messaging_webhook_signature_secret must be longer than 15 characters (Genesys Cloud rule)."
  }
}

variable "messaging_supported_content_id" {
  description = "Supported content profile of the integration (which attachment types Genesys accepts); null: the organization's default profile."
  type        = string
  default     = null
}
