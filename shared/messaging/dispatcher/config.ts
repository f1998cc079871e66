// Dispatcher settings from the Lambda environment. The Genesys side (token,
// rate limit, breaker, timeouts) is the forwarder's: the receipts go through
// the same token, the same DynamoDB rate-limit bucket and the same breaker
// settings, so both functions together stay within Genesys's per-token limit.
import { envReader, type Env } from '../../config/env';
import type { BreakerSettings } from '../../resilience/circuit-breaker';
import { DEFAULT_MAX_ATTACHMENT_BYTES, MESSAGING_ENV, PLATFORM_API_DEFAULTS, type Platform } from '../contract';
import {
  FORWARDER_DEFAULTS,
  FORWARDER_IDEMPOTENCY_TTL_SECONDS,
  GENESYS_REQUEST_TIMEOUT_MS,
  defaultMaxWaitMs,
  DEFAULT_RATE_LIMIT_SHARERS,
  readGenesysBreaker,
} from '../forwarder/config';

/**
 * Per-platform send rates (requests per second), environment names and
 * defaults. 80/s is WhatsApp Cloud API's default throughput and the issue's
 * default for every platform; Telegram's documented bot-wide limit is about
 * 30 messages per second, so its default is 30 (80 would be refused).
 * Telegram also allows about one message per second per chat.
 */
export const SEND_RATE_ENV: Record<Platform, string> = {
  line: 'LINE_SEND_RATE_PER_SECOND',
  telegram: 'TELEGRAM_SEND_RATE_PER_SECOND',
  viber: 'VIBER_SEND_RATE_PER_SECOND',
  whatsapp: 'WHATSAPP_SEND_RATE_PER_SECOND',
};
export const DEFAULT_SEND_RATES: Record<Platform, number> = { line: 80, telegram: 30, viber: 80, whatsapp: 80 };
export const TELEGRAM_CHAT_RATE_ENV = 'TELEGRAM_CHAT_SEND_RATE_PER_SECOND';
export const DEFAULT_TELEGRAM_CHAT_RATE = 1;

/** A platform answers a send in well under a second; 10 s is a sick platform (and Telegram fetching a URL). */
export const PLATFORM_REQUEST_TIMEOUT_MS = 10_000;

export interface DispatcherConfig {
  functionName: string;
  outboundQueueUrl: string;
  outboundDlqUrl: string;
  stateTable: string;
  attachmentBucket: string;
  genesysApiUrl: string;
  genesysLoginUrl: string | undefined;
  genesysOAuthSecretArn: string | undefined;
  genesysTokenSecretArn: string;
  platformCredentialsSecretArn: string;
  integrationId: string;
  genesysRateLimitPerMinute: number;
  rateLimitMaxWaitMs: number;
  genesysTimeoutMs: number;
  platformTimeoutMs: number;
  sendRates: Record<Platform, number>;
  telegramChatRate: number;
  /** The outbound queue's maxReceiveCount: on that receive a failing message is dead-lettered by the dispatcher with its Failed receipt. */
  maxReceiveCount: number;
  maxAttachmentBytes: number;
  attachmentUrlTtlSeconds: number;
  idempotencyTtlSeconds: number;
  viberSenderName: string;
  backoff: { baseSeconds: number; capSeconds: number };
  breaker: BreakerSettings;
  platformApis: Record<Platform, string>;
}

export function readDispatcherConfig(env: Env = process.env): DispatcherConfig {
  const reader = envReader('messaging-dispatcher', env);
  const { text, optionalText, positive, count } = reader;
  const E = MESSAGING_ENV;
  const genesysRateLimitPerMinute = positive(E.rateLimitPerMinute, FORWARDER_DEFAULTS.genesys_rate_limit_per_minute);
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'messaging-dispatcher',
    outboundQueueUrl: text(E.outboundQueueUrl),
    outboundDlqUrl: text(E.outboundDlqUrl),
    stateTable: text(E.stateTable),
    attachmentBucket: text(E.attachmentBucket),
    genesysApiUrl: text(E.genesysApiUrl),
    genesysLoginUrl: optionalText(E.genesysLoginUrl),
    genesysOAuthSecretArn: optionalText(E.genesysOAuthSecretArn),
    genesysTokenSecretArn: text(E.genesysTokenSecretArn),
    platformCredentialsSecretArn: text(E.platformCredentialsSecretArn),
    integrationId: text(E.genesysIntegrationId),
    genesysRateLimitPerMinute,
    rateLimitMaxWaitMs: count('GENESYS_RATE_LIMIT_MAX_WAIT_MS', defaultMaxWaitMs(genesysRateLimitPerMinute, count(E.rateLimitSharers, DEFAULT_RATE_LIMIT_SHARERS, 1)), 0),
    genesysTimeoutMs: count('GENESYS_REQUEST_TIMEOUT_MS', GENESYS_REQUEST_TIMEOUT_MS, 100),
    platformTimeoutMs: count('PLATFORM_REQUEST_TIMEOUT_MS', PLATFORM_REQUEST_TIMEOUT_MS, 100),
    sendRates: {
      line: positive(SEND_RATE_ENV.line, DEFAULT_SEND_RATES.line),
      telegram: positive(SEND_RATE_ENV.telegram, DEFAULT_SEND_RATES.telegram),
      viber: positive(SEND_RATE_ENV.viber, DEFAULT_SEND_RATES.viber),
      whatsapp: positive(SEND_RATE_ENV.whatsapp, DEFAULT_SEND_RATES.whatsapp),
    },
    telegramChatRate: positive(TELEGRAM_CHAT_RATE_ENV, DEFAULT_TELEGRAM_CHAT_RATE),
    maxReceiveCount: count('MAX_RECEIVE_COUNT', 5, 1),
    maxAttachmentBytes: count(E.maxAttachmentBytes, DEFAULT_MAX_ATTACHMENT_BYTES, 1),
    attachmentUrlTtlSeconds: count(E.attachmentUrlTtlSeconds, FORWARDER_DEFAULTS.attachment_url_ttl_seconds, 1),
    idempotencyTtlSeconds: count('MESSAGING_IDEMPOTENCY_TTL_SECONDS', FORWARDER_IDEMPOTENCY_TTL_SECONDS, 60),
    viberSenderName: optionalText('VIBER_SENDER_NAME') ?? 'Support',
    backoff: { baseSeconds: count('RETRY_BACKOFF_BASE_SECONDS', 2), capSeconds: count('RETRY_BACKOFF_CAP_SECONDS', 300) },
    breaker: readGenesysBreaker(reader),
    platformApis: {
      line: optionalText(E.lineApiUrl) ?? PLATFORM_API_DEFAULTS.lineApiUrl,
      telegram: optionalText(E.telegramApiUrl) ?? PLATFORM_API_DEFAULTS.telegramApiUrl,
      viber: optionalText(E.viberApiUrl) ?? PLATFORM_API_DEFAULTS.viberApiUrl,
      whatsapp: optionalText(E.whatsappApiUrl) ?? PLATFORM_API_DEFAULTS.whatsappApiUrl,
    },
  };
}
