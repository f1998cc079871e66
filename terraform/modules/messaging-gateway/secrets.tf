# Secrets (JSON strings, shapes in shared/messaging/contract.ts), encrypted
# with the project key. A value given in a sensitive variable is written by
# Terraform (and lands in the state, which is encrypted: see backend.tf);
# without one the secret is created empty and filled out of band, so the value
# never touches Terraform:
#
#   aws secretsmanager put-secret-value --secret-id <name_prefix>/webhook-secrets \
#     --secret-string file://webhook-secrets.json
#
# The functions fail clearly (ResourceNotFoundException: no current version)
# until then. The live Genesys token is written by the token refresher (and,
# after a 401, by one forwarder or dispatcher under the refresh lease).

locals {
  secret_recovery_window_days = 7
}

resource "aws_secretsmanager_secret" "webhook" {
  #checkov:skip=CKV2_AWS_57:The platforms and Genesys issue these webhook secrets; they are rotated in each platform's console and then here with put-secret-value, which a rotation Lambda cannot do.
  name                    = "${var.name_prefix}/webhook-secrets"
  description             = "Webhook verification secrets (WebhookSecrets): LINE, Telegram, Viber, WhatsApp, Genesys outbound webhook"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = local.secret_recovery_window_days

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "webhook" {
  count = nonsensitive(var.webhook_secrets == null) ? 0 : 1

  secret_id     = aws_secretsmanager_secret.webhook.id
  secret_string = jsonencode(var.webhook_secrets)
}

resource "aws_secretsmanager_secret" "genesys_oauth" {
  #checkov:skip=CKV2_AWS_57:The OAuth client secret is issued by Genesys Cloud (Admin > OAuth); rotate it there, then here with put-secret-value.
  name                    = "${var.name_prefix}/genesys-oauth"
  description             = "Genesys Cloud OAuth client credentials (GenesysOAuthSecret) used by the token refresher"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = local.secret_recovery_window_days

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "genesys_oauth" {
  count = nonsensitive(var.genesys_oauth_client == null) ? 0 : 1

  secret_id     = aws_secretsmanager_secret.genesys_oauth.id
  secret_string = jsonencode(var.genesys_oauth_client)
}

resource "aws_secretsmanager_secret" "genesys_token" {
  #checkov:skip=CKV2_AWS_57:The token refresher replaces this value every token_refresh_rate_minutes; that is its rotation.
  name                    = "${var.name_prefix}/genesys-token"
  description             = "The live Genesys Cloud access token (GenesysTokenSecret) every forwarder and dispatcher instance shares; written by the token refresher (and after a 401 by one of them, under the lease)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = local.secret_recovery_window_days

  tags = var.tags
}

resource "aws_secretsmanager_secret" "platform_credentials" {
  #checkov:skip=CKV2_AWS_57:Platform access tokens are issued by LINE, Telegram, Viber and Meta; rotate them in each platform's console, then here with put-secret-value.
  name                    = "${var.name_prefix}/platform-credentials"
  description             = "Platform API credentials (PlatformCredentials): the forwarder's media downloads and the dispatcher's sends"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = local.secret_recovery_window_days

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "platform_credentials" {
  count = nonsensitive(var.platform_credentials == null) ? 0 : 1

  secret_id     = aws_secretsmanager_secret.platform_credentials.id
  secret_string = jsonencode(var.platform_credentials)
}
