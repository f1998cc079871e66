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
