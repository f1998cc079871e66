// Settings of the ingest function, by the names in MESSAGING_ENV (the
// Terraform module and the local stack set exactly these). A missing or bad
// value stops the function at start with the variable named.
import { DEFAULT_MAX_WEBHOOK_BYTES, MESSAGING_ENV } from '../contract';

/** API Gateway HTTP API refuses payloads over 10 MB before Lambda; a cap above that could never apply. */
export const MAX_WEBHOOK_BYTES_CEILING = 10 * 1024 * 1024;

/**
 * Webhook secrets are kept in memory this long: one Secrets Manager read per
 * instance per 5 minutes at most, and a rotated secret reaches warm instances
 * within that time without a redeploy.
 */
export const WEBHOOK_SECRETS_MAX_AGE_MS = 5 * 60 * 1000;

export interface IngestConfig {
  inboundQueueUrl: string;
  outboundQueueUrl: string;
  webhookSecretsArn: string;
  maxWebhookBytes: number;
}

export function readIngestConfig(env: Readonly<Record<string, string | undefined>> = process.env): IngestConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: the messaging-gateway module (or local up) sets it for the ingest function.`);
    return value;
  };
  const rawMax = env[MESSAGING_ENV.maxWebhookBytes];
  const maxWebhookBytes = rawMax === undefined || rawMax === '' ? DEFAULT_MAX_WEBHOOK_BYTES : Number(rawMax);
  if (!Number.isInteger(maxWebhookBytes) || maxWebhookBytes < 1 || maxWebhookBytes > MAX_WEBHOOK_BYTES_CEILING) {
    throw new Error(`${MESSAGING_ENV.maxWebhookBytes}=${rawMax} must be a whole number of bytes between 1 and ${MAX_WEBHOOK_BYTES_CEILING}.`);
  }
  return {
    inboundQueueUrl: required(MESSAGING_ENV.inboundQueueUrl),
    outboundQueueUrl: required(MESSAGING_ENV.outboundQueueUrl),
    webhookSecretsArn: required(MESSAGING_ENV.webhookSecretsArn),
    maxWebhookBytes,
  };
}
