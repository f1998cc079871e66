# The Genesys Cloud side of the messaging gateway (../modules/messaging-gateway):
# an Open Messaging integration whose outbound webhook (agent replies, receipts)
# posts to the gateway's /webhooks/genesys route, signed with the secret the
# ingest function verifies. Applied after the event path root has created the
# endpoint; its integration id then goes back to that root
# (genesys_integration_id): the two-phase apply in ../README.md.

locals {
  # The signature secret: this variable when set, else the genesysWebhookSecret
  # the ingest function verifies (read from its secret), so the two cannot drift.
  read_webhook_secret = var.messaging_integration_enabled && nonsensitive(var.messaging_webhook_signature_secret == null)
}

data "aws_secretsmanager_secret_version" "webhook_secrets" {
  count = local.read_webhook_secret ? 1 : 0

  secret_id = var.messaging_webhook_secrets_name
}

resource "genesyscloud_conversations_messaging_integrations_open" "gateway" {
  count = var.messaging_integration_enabled ? 1 : 0

  name                                                 = var.messaging_integration_name
  outbound_notification_webhook_url                    = var.messaging_webhook_url
  outbound_notification_webhook_signature_secret_token = local.read_webhook_secret ? jsondecode(data.aws_secretsmanager_secret_version.webhook_secrets[0].secret_string).genesysWebhookSecret : var.messaging_webhook_signature_secret
  supported_content_id                                 = var.messaging_supported_content_id

  lifecycle {
    precondition {
      condition     = var.messaging_webhook_url != null && can(regex("^https://.+/webhooks/genesys$", var.messaging_webhook_url))
      error_message = "messaging_webhook_url must be the event path root's output messaging_genesys_webhook_url (https://.../webhooks/genesys): apply ../ with messaging_enabled = true first."
    }
  }
}
