// Webhook secrets of the local stack: taken from the environment of
// `local up` (the variables below), with documented local defaults so a fresh
// clone runs without any. The defaults are public (they are in this file and
// the README): they only ever guard loopback servers.
import type { WebhookSecrets } from '../../shared/messaging/contract';

/** Environment variable that overrides each secret locally. */
export const WEBHOOK_SECRET_ENV: Readonly<Record<keyof WebhookSecrets, string>> = {
  lineChannelSecret: 'LINE_CHANNEL_SECRET',
  telegramSecretToken: 'TELEGRAM_SECRET_TOKEN',
  viberAuthToken: 'VIBER_AUTH_TOKEN',
  whatsappAppSecret: 'WHATSAPP_APP_SECRET',
  whatsappVerifyToken: 'WHATSAPP_VERIFY_TOKEN',
  genesysWebhookSecret: 'GENESYS_WEBHOOK_SECRET',
};

export const LOCAL_WEBHOOK_SECRETS: Readonly<WebhookSecrets> = {
  lineChannelSecret: 'local-line-channel-secret',
  // Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and - in setWebhook's secret_token.
  telegramSecretToken: 'local-telegram-secret-token',
  viberAuthToken: 'local-viber-auth-token',
  whatsappAppSecret: 'local-whatsapp-app-secret',
  whatsappVerifyToken: 'local-whatsapp-verify-token',
  genesysWebhookSecret: 'local-genesys-webhook-secret',
};

/** The local webhook secrets: each variable that is set and not empty wins over its default. */
export function webhookSecretsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): WebhookSecrets {
  const secrets = { ...LOCAL_WEBHOOK_SECRETS };
  for (const [field, name] of Object.entries(WEBHOOK_SECRET_ENV) as Array<[keyof WebhookSecrets, string]>) {
    const value = env[name];
    if (value !== undefined && value !== '') secrets[field] = value;
  }
  return secrets;
}
