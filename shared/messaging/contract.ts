// The seams of the messaging gateway: what the ingest function puts on the
// queues, what the forwarder (and later the dispatcher) read, and the names of
// the settings every side (functions, local stack, Terraform) agrees on.
// Changing a name here is a change to the deployed contract: the Terraform
// module `messaging-gateway` and the local stack set exactly these variables.
import { createHash } from 'node:crypto';

export const PLATFORMS = ['line', 'telegram', 'viber', 'whatsapp'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const isPlatform = (value: string): value is Platform => (PLATFORMS as readonly string[]).includes(value);

/** Open Messaging attachment media types (OpenMessageAttachment.mediaType). */
export type MediaType = 'Image' | 'Video' | 'Audio' | 'File';

/** Media as the platform refers to it; the forwarder fetches it, never the ingest function. */
export interface PlatformAttachmentRef {
  mediaType: MediaType;
  /** LINE message id (content API), Telegram file_id, Viber media URL, WhatsApp media id. */
  ref: string;
  mime?: string;
  filename?: string;
  /** Size the platform announced, when it did (Telegram file_size, Viber size). */
  sizeBytes?: number;
}

/** One customer message, normalised from any platform: the body of an inbound FIFO message. */
export interface InboundMessage {
  v: 1;
  platform: Platform;
  /** Stable platform user id: LINE source.userId, Telegram chat.id, Viber sender.id, WhatsApp wa_id. Always text. */
  userId: string;
  /** The platform's id of the message (Genesys channel.messageId). */
  messageId: string;
  /** The platform's id of the delivery (the deduplication key): LINE webhookEventId, Telegram update_id, Viber message_token, WhatsApp wamid. Always text. */
  eventId: string;
  /** Platform timestamp, ISO-8601 with milliseconds. */
  time: string;
  text?: string;
  nickname?: string;
  attachments: PlatformAttachmentRef[];
  /** When the ingest function accepted the webhook (ISO). */
  receivedAt: string;
}

/** Conversation = platform + user: one FIFO message group, so order holds per conversation and only per conversation. */
export const conversationKey = (platform: Platform, userId: string): string => `${platform}:${userId}`;

/** Key of the durable "already forwarded" record (idempotency) and source of the FIFO deduplication id. */
export const inboundDeliveryKey = (message: Pick<InboundMessage, 'platform' | 'eventId'>): string =>
  `${message.platform}:${message.eventId}`;

/**
 * SQS MessageGroupId / MessageDeduplicationId allow 128 characters of
 * [A-Za-z0-9!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~]; platform ids are not bound to
 * that alphabet or length, so both are derived: a readable group id when it
 * fits, a digest otherwise.
 */
export function sqsSafeId(raw: string): string {
  return raw.length <= 128 && /^[\x21-\x7e]+$/.test(raw) ? raw : createHash('sha256').update(raw).digest('hex');
}

export const inboundGroupId = (message: Pick<InboundMessage, 'platform' | 'userId'>): string =>
  sqsSafeId(conversationKey(message.platform, message.userId));

export const inboundDeduplicationId = (message: Pick<InboundMessage, 'platform' | 'eventId'>): string =>
  createHash('sha256').update(inboundDeliveryKey(message)).digest('hex');

/** Genesys outbound webhook on the outbound FIFO queue: body = the raw webhook JSON, group = the end user, dedup = Genesys message id. */
export const outboundGroupId = (toId: string): string => sqsSafeId(`genesys-to:${toId}`);
export const outboundDeduplicationId = (genesysMessageId: string): string =>
  createHash('sha256').update(`genesys:${genesysMessageId}`).digest('hex');

/**
 * Secrets (Secrets Manager, JSON strings). Ingest reads WEBHOOK_SECRETS; the
 * forwarder reads GENESYS_OAUTH (refresher only), GENESYS_TOKEN (the live
 * token every instance shares) and PLATFORM_CREDENTIALS (media download; the
 * dispatcher sends with them too).
 */
export interface WebhookSecrets {
  lineChannelSecret: string;
  telegramSecretToken: string;
  viberAuthToken: string;
  whatsappAppSecret: string;
  whatsappVerifyToken: string;
  genesysWebhookSecret: string;
}

export interface GenesysOAuthSecret {
  clientId: string;
  clientSecret: string;
}

export interface GenesysTokenSecret {
  accessToken: string;
  /** Epoch ms after which the token must not be used. */
  expiresAt: number;
}

export interface PlatformCredentials {
  lineChannelAccessToken: string;
  telegramBotToken: string;
  viberAuthToken: string;
  whatsappAccessToken: string;
  whatsappPhoneNumberId: string;
}

/** Environment variable names, shared by the functions, the local stack and terraform/modules/messaging-gateway. */
export const MESSAGING_ENV = {
  inboundQueueUrl: 'INBOUND_QUEUE_URL',
  outboundQueueUrl: 'OUTBOUND_QUEUE_URL',
  maintenanceQueueUrl: 'MAINTENANCE_QUEUE_URL',
  inboundDlqUrl: 'INBOUND_DLQ_URL',
  outboundDlqUrl: 'OUTBOUND_DLQ_URL',
  webhookSecretsArn: 'WEBHOOK_SECRETS_ARN',
  genesysOAuthSecretArn: 'GENESYS_OAUTH_SECRET_ARN',
  genesysTokenSecretArn: 'GENESYS_TOKEN_SECRET_ARN',
  platformCredentialsSecretArn: 'PLATFORM_CREDENTIALS_SECRET_ARN',
  /** DynamoDB table (pk `id` string, TTL `expiration`): forwarder idempotency, rate-limit bucket, diverted conversations. */
  stateTable: 'MESSAGING_STATE_TABLE',
  attachmentBucket: 'ATTACHMENT_BUCKET',
  genesysApiUrl: 'GENESYS_API_URL',
  genesysLoginUrl: 'GENESYS_LOGIN_URL',
  genesysIntegrationId: 'GENESYS_INTEGRATION_ID',
  rateLimitPerMinute: 'GENESYS_RATE_LIMIT_PER_MINUTE',
  /** How many instances can wait on the Genesys bucket at once (the module: 2 x forwarder_maximum_concurrency + dispatcher_maximum_concurrency). */
  rateLimitSharers: 'GENESYS_RATE_LIMIT_SHARERS',
  maxWebhookBytes: 'MAX_WEBHOOK_BYTES',
  maxAttachmentBytes: 'MAX_ATTACHMENT_BYTES',
  lineApiUrl: 'LINE_API_URL',
  lineDataApiUrl: 'LINE_DATA_API_URL',
  telegramApiUrl: 'TELEGRAM_API_URL',
  viberApiUrl: 'VIBER_API_URL',
  whatsappApiUrl: 'WHATSAPP_API_URL',
  /** Forwarder settings with defaults equal to terraform/modules/messaging-gateway/variables.tf (unset: that default). */
  attachmentUrlTtlSeconds: 'ATTACHMENT_URL_TTL_SECONDS',
  breakerFailureThreshold: 'GENESYS_BREAKER_FAILURE_THRESHOLD',
  breakerWindowSeconds: 'GENESYS_BREAKER_WINDOW_SECONDS',
  breakerHalfOpenAfterSeconds: 'GENESYS_BREAKER_HALF_OPEN_AFTER_SECONDS',
} as const;

/** Real hosts; the local stack points these at the platform doubles. */
export const PLATFORM_API_DEFAULTS = {
  lineApiUrl: 'https://api.line.me',
  lineDataApiUrl: 'https://api-data.line.me',
  telegramApiUrl: 'https://api.telegram.org',
  viberApiUrl: 'https://chatapi.viber.com',
  whatsappApiUrl: 'https://graph.facebook.com/v21.0',
} as const;

/** Genesys Platform API: 300 requests per minute per token (token.rate.per.minute). */
export const DEFAULT_GENESYS_RATE_LIMIT_PER_MINUTE = 300;
/** Genesys accepts attachments up to 25 MB. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** API Gateway HTTP API takes up to 10 MB; no platform webhook is near that: 1 MiB leaves room for a 100-event batch. */
export const DEFAULT_MAX_WEBHOOK_BYTES = 1024 * 1024;
