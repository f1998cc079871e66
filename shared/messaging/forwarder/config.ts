// Forwarder settings from the Lambda environment. The defaults are the
// defaults of terraform/modules/messaging-gateway/variables.tf (a unit test
// holds them equal), so an unset variable means "the module's default".
import { envReader, type Env } from '../../config/env';
import type { BreakerSettings } from '../../resilience/circuit-breaker';
import { DEFAULT_GENESYS_RATE_LIMIT_PER_MINUTE, DEFAULT_MAX_ATTACHMENT_BYTES, MESSAGING_ENV, PLATFORM_API_DEFAULTS } from '../contract';
import type { PlatformApis } from '../attachments';

/** Defaults of the module variables the forwarder reads (names in the module: see FORWARDER_VARIABLES). */
export const FORWARDER_DEFAULTS = {
  genesys_rate_limit_per_minute: DEFAULT_GENESYS_RATE_LIMIT_PER_MINUTE,
  genesys_breaker_failure_threshold: 0.1,
  genesys_breaker_window_seconds: 30,
  genesys_breaker_half_open_after_seconds: 10,
  max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
  attachment_url_ttl_seconds: 3600,
} as const;

/**
 * How long a forwarded delivery is remembered (Powertools idempotency
 * record): 7 days, longer than any platform resends (Viber about an hour,
 * LINE and WhatsApp a few hours at most, Telegram while the webhook fails)
 * and than a message can wait in the queues (4 days of retention).
 */
export const FORWARDER_IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The breaker judges a ratio only over at least this many calls per second of
 * window (cockatiel minimumRps): 0.2/s = 6 calls in the 30 s window, so one
 * failed call at night does not divert a conversation, while an outage under
 * load (5 calls/s) opens it within seconds.
 */
export const GENESYS_BREAKER_MINIMUM_RPS = 0.2;

/** Genesys answers an inbound message in well under a second; 10 s is a sick Genesys. */
export const GENESYS_REQUEST_TIMEOUT_MS = 10_000;

export interface ForwarderConfig {
  functionName: string;
  inboundQueueUrl: string;
  maintenanceQueueUrl: string;
  inboundDlqUrl: string;
  stateTable: string;
  attachmentBucket: string;
  genesysApiUrl: string;
  /** Absent: the forwarder cannot log in itself and waits for the refresher after a 401. */
  genesysLoginUrl: string | undefined;
  genesysOAuthSecretArn: string | undefined;
  genesysTokenSecretArn: string;
  platformCredentialsSecretArn: string;
  integrationId: string;
  rateLimitPerMinute: number;
  /** Longest in-process wait for a rate-limit slot; beyond it the record is held by visibility. */
  rateLimitMaxWaitMs: number;
  maxAttachmentBytes: number;
  attachmentUrlTtlSeconds: number;
  genesysTimeoutMs: number;
  idempotencyTtlSeconds: number;
  backoff: { baseSeconds: number; capSeconds: number };
  breaker: BreakerSettings;
  platformApis: PlatformApis;
}

/**
 * Each instance holds at most one reservation at a time, so the reservation
 * queue is at most as deep as the instances that share the bucket: the
 * forwarder's two mappings (inbound and maintenance) and the dispatcher's
 * receipts, 5 + 5 + 5 = 15 at the module's defaults (GENESYS_RATE_LIMIT_SHARERS).
 * A maximum wait shorter than that many emission intervals refuses grants in
 * steady state and holds records, and each hold costs one of the record's
 * receives (a run where forwarder and dispatcher shared the bucket at a wait of
 * 10 intervals dead-lettered 38 inbound records as retries-exhausted). It is
 * kept between 1 s and 5 s so a batch of 10 still fits the 30 s timeout.
 */
export const DEFAULT_RATE_LIMIT_SHARERS = 15;
export const defaultMaxWaitMs = (limitPerMinute: number, sharers = DEFAULT_RATE_LIMIT_SHARERS): number =>
  Math.min(5_000, Math.max(1_000, Math.ceil(sharers * (60_000 / limitPerMinute))));

export function readForwarderConfig(env: Env = process.env): ForwarderConfig {
  const reader = envReader('messaging-forwarder', env);
  const { text, optionalText, positive, count } = reader;
  const E = MESSAGING_ENV;
  const rateLimitPerMinute = positive(E.rateLimitPerMinute, FORWARDER_DEFAULTS.genesys_rate_limit_per_minute);
  const genesysLoginUrl = optionalText(E.genesysLoginUrl);
  const genesysOAuthSecretArn = optionalText(E.genesysOAuthSecretArn);
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'messaging-forwarder',
    inboundQueueUrl: text(E.inboundQueueUrl),
    maintenanceQueueUrl: text(E.maintenanceQueueUrl),
    inboundDlqUrl: text(E.inboundDlqUrl),
    stateTable: text(E.stateTable),
    attachmentBucket: text(E.attachmentBucket),
    genesysApiUrl: text(E.genesysApiUrl),
    genesysLoginUrl,
    genesysOAuthSecretArn,
    genesysTokenSecretArn: text(E.genesysTokenSecretArn),
    platformCredentialsSecretArn: text(E.platformCredentialsSecretArn),
    integrationId: text(E.genesysIntegrationId),
    rateLimitPerMinute,
    rateLimitMaxWaitMs: count('GENESYS_RATE_LIMIT_MAX_WAIT_MS', defaultMaxWaitMs(rateLimitPerMinute, count(E.rateLimitSharers, DEFAULT_RATE_LIMIT_SHARERS, 1)), 0),
    maxAttachmentBytes: count(E.maxAttachmentBytes, FORWARDER_DEFAULTS.max_attachment_bytes, 1),
    attachmentUrlTtlSeconds: count(E.attachmentUrlTtlSeconds, FORWARDER_DEFAULTS.attachment_url_ttl_seconds, 1),
    genesysTimeoutMs: count('GENESYS_REQUEST_TIMEOUT_MS', GENESYS_REQUEST_TIMEOUT_MS, 100),
    idempotencyTtlSeconds: count('MESSAGING_IDEMPOTENCY_TTL_SECONDS', FORWARDER_IDEMPOTENCY_TTL_SECONDS, 60),
    backoff: { baseSeconds: count('RETRY_BACKOFF_BASE_SECONDS', 2), capSeconds: count('RETRY_BACKOFF_CAP_SECONDS', 300) },
    breaker: readGenesysBreaker(reader),
    platformApis: {
      lineDataApiUrl: optionalText(E.lineDataApiUrl) ?? PLATFORM_API_DEFAULTS.lineDataApiUrl,
      telegramApiUrl: optionalText(E.telegramApiUrl) ?? PLATFORM_API_DEFAULTS.telegramApiUrl,
      viberApiUrl: optionalText(E.viberApiUrl) ?? PLATFORM_API_DEFAULTS.viberApiUrl,
      whatsappApiUrl: optionalText(E.whatsappApiUrl) ?? PLATFORM_API_DEFAULTS.whatsappApiUrl,
    },
  };
}

/** The Genesys breaker settings, read alike by every function that calls Genesys (forwarder, dispatcher). */
export function readGenesysBreaker({ positive, count }: Pick<ReturnType<typeof envReader>, 'positive' | 'count'>): BreakerSettings {
  const E = MESSAGING_ENV;
  return {
    failureThreshold: positive(E.breakerFailureThreshold, FORWARDER_DEFAULTS.genesys_breaker_failure_threshold, 1),
    windowSeconds: count(E.breakerWindowSeconds, FORWARDER_DEFAULTS.genesys_breaker_window_seconds, 1),
    minimumRps: positive('GENESYS_BREAKER_MINIMUM_RPS', GENESYS_BREAKER_MINIMUM_RPS),
    halfOpenAfterSeconds: count(E.breakerHalfOpenAfterSeconds, FORWARDER_DEFAULTS.genesys_breaker_half_open_after_seconds, 1),
  };
}
