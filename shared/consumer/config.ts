// Consumer configuration from the Lambda environment (set by Terraform, or by
// the local runner from the same Terraform defaults). A missing or malformed
// value stops the cold start with a message naming the variable.
import { DEFAULT_BREAKER, type BreakerSettings } from '../resilience/circuit-breaker';

export interface ConsumerConfig {
  projectionTable: string;
  idempotencyTable: string;
  /**
   * false = pure projection: no Powertools idempotency record around the
   * projection write. The conditional per-aspect write is itself idempotent
   * (a replay's order key is not smaller than itself), so the projection stays
   * exact; what is given up is the in-progress lock and the `duplicate`
   * classification (a duplicate counts as `stale`), and with them the guard
   * for any side effect beyond the projection. 1 write per event instead of 3.
   */
  idempotencyEnabled: boolean;
  bufferQueueUrl: string;
  bufferDlqUrl: string;
  idempotencyTtlSeconds: number;
  /** How long an idempotency record stays locked in progress (see IN_PROGRESS_LOCK_SECONDS). */
  idempotencyInProgressSeconds: number;
  eventFutureSkewSeconds: number;
  maxEventBytes: number;
  retryBackoffBaseSeconds: number;
  retryBackoffCapSeconds: number;
  bufferMaxReceiveCount: number;
  functionName: string;
  breaker: BreakerSettings;
}

type Env = Record<string, string | undefined>;

/**
 * Powertools locks a record's idempotency key for the invocation's remaining
 * time (up to the function timeout) while the projection runs. The lock only
 * saves work: the conditional write already makes a concurrent second run a
 * stale no-op. So it need only cover one projection write with its SDK
 * retries (3 attempts of at most 3 s, shared/aws/clients.ts), not the whole
 * timeout: a lock left behind when the result could not be recorded (a store
 * fault) then delays that content by 15 s instead of 30 s or more.
 */
export const IN_PROGRESS_LOCK_SECONDS = 15;

function positive(env: Env, name: string, fallback: number, below?: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (below !== undefined && value >= below)) {
    throw new Error(`event-consumer: environment variable ${name}=${raw} must be a number > 0${below !== undefined ? ` and < ${below}` : ''}.`);
  }
  return value;
}

function text(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`event-consumer: environment variable ${name} is not set; Terraform's consumer module sets it (locally: scripts/local).`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`event-consumer: environment variable ${name}=${raw} must be true or false.`);
}

function count(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`event-consumer: environment variable ${name}=${raw} must be an integer >= ${min}.`);
  }
  return value;
}

export function readConsumerConfig(env: Env = process.env): ConsumerConfig {
  return {
    projectionTable: text(env, 'PROJECTION_TABLE'),
    idempotencyTable: text(env, 'IDEMPOTENCY_TABLE'),
    idempotencyEnabled: flag(env, 'IDEMPOTENCY_ENABLED', true),
    bufferQueueUrl: text(env, 'BUFFER_QUEUE_URL'),
    bufferDlqUrl: text(env, 'BUFFER_DLQ_URL'),
    idempotencyTtlSeconds: count(env, 'IDEMPOTENCY_TTL_SECONDS', 432000, 60),
    idempotencyInProgressSeconds: count(env, 'IDEMPOTENCY_IN_PROGRESS_SECONDS', IN_PROGRESS_LOCK_SECONDS, 1),
    eventFutureSkewSeconds: count(env, 'EVENT_FUTURE_SKEW_SECONDS', 300),
    maxEventBytes: count(env, 'MAX_EVENT_BYTES', 262144, 1024),
    retryBackoffBaseSeconds: count(env, 'RETRY_BACKOFF_BASE_SECONDS', 2),
    retryBackoffCapSeconds: count(env, 'RETRY_BACKOFF_CAP_SECONDS', 300),
    bufferMaxReceiveCount: count(env, 'BUFFER_MAX_RECEIVE_COUNT', 5, 1),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'event-consumer',
    breaker: {
      failureThreshold: positive(env, 'BREAKER_FAILURE_THRESHOLD', DEFAULT_BREAKER.failureThreshold, 1),
      windowSeconds: count(env, 'BREAKER_WINDOW_SECONDS', DEFAULT_BREAKER.windowSeconds, 1),
      minimumRps: positive(env, 'BREAKER_MINIMUM_RPS', DEFAULT_BREAKER.minimumRps),
      halfOpenAfterSeconds: count(env, 'BREAKER_HALF_OPEN_AFTER_SECONDS', DEFAULT_BREAKER.halfOpenAfterSeconds, 1),
    },
  };
}
