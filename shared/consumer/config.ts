// Consumer configuration from the Lambda environment (set by Terraform, or by
// the local runner from the same Terraform defaults). A missing or malformed
// value stops the cold start with a message naming the variable.
import { envReader, type Env } from '../config/env';
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

export function readConsumerConfig(env: Env = process.env): ConsumerConfig {
  const { text, positive, count, flag } = envReader('event-consumer', env);
  return {
    projectionTable: text('PROJECTION_TABLE'),
    idempotencyTable: text('IDEMPOTENCY_TABLE'),
    idempotencyEnabled: flag('IDEMPOTENCY_ENABLED', true),
    bufferQueueUrl: text('BUFFER_QUEUE_URL'),
    bufferDlqUrl: text('BUFFER_DLQ_URL'),
    idempotencyTtlSeconds: count('IDEMPOTENCY_TTL_SECONDS', 432000, 60),
    idempotencyInProgressSeconds: count('IDEMPOTENCY_IN_PROGRESS_SECONDS', IN_PROGRESS_LOCK_SECONDS, 1),
    eventFutureSkewSeconds: count('EVENT_FUTURE_SKEW_SECONDS', 300),
    maxEventBytes: count('MAX_EVENT_BYTES', 262144, 1024),
    retryBackoffBaseSeconds: count('RETRY_BACKOFF_BASE_SECONDS', 2),
    retryBackoffCapSeconds: count('RETRY_BACKOFF_CAP_SECONDS', 300),
    bufferMaxReceiveCount: count('BUFFER_MAX_RECEIVE_COUNT', 5, 1),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'event-consumer',
    breaker: {
      failureThreshold: positive('BREAKER_FAILURE_THRESHOLD', DEFAULT_BREAKER.failureThreshold, 1),
      windowSeconds: count('BREAKER_WINDOW_SECONDS', DEFAULT_BREAKER.windowSeconds, 1),
      minimumRps: positive('BREAKER_MINIMUM_RPS', DEFAULT_BREAKER.minimumRps),
      halfOpenAfterSeconds: count('BREAKER_HALF_OPEN_AFTER_SECONDS', DEFAULT_BREAKER.halfOpenAfterSeconds, 1),
    },
  };
}
