// Why a record failed decides how long it stays invisible before SQS hands it
// back (README, "Resilience and chaos"). The computed delay is full jitter
// from ApproximateReceiveCount (backoff.ts); a hint wins over it when the
// failure says more than "something went wrong":
//
//   circuit open    the breaker refused the call or the call (re)opened it:
//                   hold until well after the next half-open probe, growing
//                   per receive so an outage does not exhaust maxReceiveCount;
//   unreachable     no answer from the store at all (connection refused,
//                   reset, timed out): held like an open circuit, because the
//                   breaker needs a few such failures before it opens and a
//                   full-jitter draw near 0 s let one record burn three
//                   receives in half a second at the start of an outage;
//   in progress     this content's idempotency record is locked by another
//                   invocation, or left locked by one that failed;
//   retry-after     the downstream said when to come back (HTTP Retry-After);
//   throttled       the downstream is over capacity (DynamoDB
//                   ThrottlingException / ProvisionedThroughputExceeded, HTTP
//                   429) but named no time: at least half the backoff ceiling,
//                   because a full-jitter draw near 0 s would land on the same
//                   exhausted capacity, while the other half keeps the spread.
import { backoffCeilingSeconds, openCircuitHoldSeconds, retryAfterSeconds, type BackoffPolicy } from './backoff';
import { DEADLINE_HOLD_SECONDS, isDeadlineError } from './deadline';

/** `deadline`: the invocation had too little time left to start the record; it comes back at once. */
export type RetryHintReason = 'circuit-open' | 'unreachable' | 'in-progress' | 'retry-after' | 'throttled' | 'deadline';

export interface RetryHint {
  seconds: number;
  reason: RetryHintReason;
}

export interface RetryHintContext {
  /** ApproximateReceiveCount of the record (1 on the first delivery). */
  attempt: number;
  policy: BackoffPolicy;
  /** The breaker refused the call, or is open now because of it. */
  circuitOpen: boolean;
  /** The breaker's half-open delay: the first hold of a record it refused. */
  halfOpenAfterSeconds: number;
  /** How long an idempotency record stays in progress (locked) after it was taken. */
  inProgressLockSeconds: number;
  now?: number;
  random?: () => number;
}

// The error names the AWS SDK itself classifies as throttling
// (@smithy/service-error-classification, copied: it is not a direct
// dependency), matched through the cause chain because Powertools wraps
// persistence-layer errors.
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

const MAX_CAUSE_DEPTH = 5;

/** The error and its `cause` chain (Powertools wraps store errors in IdempotencyPersistenceLayerError). */
function* causeChain(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== null && current !== undefined; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

interface HttpishError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  /** fetch-style: a Response or anything with headers.get(). */
  response?: { status?: number; headers?: { get?(name: string): string | null } | Record<string, string | undefined> };
  status?: number;
  statusCode?: number;
}

function statusOf(e: HttpishError): number | undefined {
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode ?? e.response?.status ?? e.status ?? e.statusCode;
}

function retryAfterHeader(e: HttpishError): string | undefined {
  const sdk = e.$response?.headers;
  if (sdk) return sdk['retry-after'] ?? sdk['Retry-After'];
  const headers = e.response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get('retry-after') ?? undefined;
  const plain = headers as Record<string, string | undefined>;
  return plain['retry-after'] ?? plain['Retry-After'];
}

/** Retry-After carried by the error or a cause (AWS SDK v3 `$response`, or a fetch-style `response`), in seconds. */
export function retryAfterFromError(error: unknown, now: number = Date.now()): number | undefined {
  for (const e of causeChain(error)) {
    if (typeof e !== 'object') continue;
    const seconds = retryAfterSeconds(retryAfterHeader(e as HttpishError), now);
    if (seconds !== undefined) return seconds;
  }
  return undefined;
}

/** Whether the error or a cause says the downstream is over capacity. */
export function isThrottlingError(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (typeof e !== 'object') continue;
    const h = e as HttpishError;
    if (statusOf(h) === 429 || h.$retryable?.throttling === true || (h.name !== undefined && THROTTLING_NAMES.has(h.name))) return true;
  }
  return false;
}

// Node's socket errors and the SDK's timeout names: the request got no HTTP
// answer (smithy's service-error-classification lists the same codes as transient).
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const UNREACHABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Whether the error or a cause says the request never got an HTTP answer. */
export function isUnreachableError(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (typeof e !== 'object') continue;
    const h = e as HttpishError & { code?: string };
    if (statusOf(h) !== undefined) return false;
    if ((h.code !== undefined && UNREACHABLE_CODES.has(h.code)) || (h.name !== undefined && UNREACHABLE_NAMES.has(h.name))) return true;
  }
  return false;
}

export const isIdempotencyInProgress = (error: unknown): boolean =>
  [...causeChain(error)].some((e) => (e as { name?: string } | null)?.name === 'IdempotencyAlreadyInProgressError');

/** Uniform in [ceiling/2, ceiling]: backs off for sure, still spread. */
export function throttledDelaySeconds(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.max(policy.baseSeconds, backoffCeilingSeconds(policy, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * How long a failed record should stay invisible when the failure carries a
 * hint; undefined means "use the computed full-jitter delay".
 */
export function retryHint(error: unknown, ctx: RetryHintContext): RetryHint | undefined {
  // Ran out of invocation time, not of luck, even with the circuit open: no call was refused.
  if (isDeadlineError(error)) return { seconds: DEADLINE_HOLD_SECONDS, reason: 'deadline' };
  if (ctx.circuitOpen) {
    return { seconds: openCircuitHoldSeconds(ctx.halfOpenAfterSeconds, ctx.attempt, ctx.policy.capSeconds), reason: 'circuit-open' };
  }
  if (isUnreachableError(error)) {
    return { seconds: openCircuitHoldSeconds(ctx.halfOpenAfterSeconds, ctx.attempt, ctx.policy.capSeconds), reason: 'unreachable' };
  }
  if (isIdempotencyInProgress(error)) {
    // Usually another invocation is projecting a copy of the same content and
    // finishes within a second: look again in 2 s. If the lock outlives that,
    // its holder died or could not record its result (a store fault), and
    // the lock expires at most inProgressLockSeconds after it was taken: wait
    // that long once, not a growing series that burns receive counts.
    // The holder's lock end, when the error knows it (shared/consumer/batch-idempotency.ts
    // reads it from the record): no longer than that, so a lock about to end costs no extra receive.
    const full = Math.max(1, Math.ceil(ctx.inProgressLockSeconds));
    const lockedUntilMs = [...causeChain(error)].map((e) => (e as { lockedUntilMs?: unknown } | null)?.lockedUntilMs).find((t): t is number => typeof t === 'number');
    const lock = lockedUntilMs === undefined ? full : Math.min(full, Math.max(1, Math.ceil((lockedUntilMs - (ctx.now ?? Date.now())) / 1000)));
    return { seconds: ctx.attempt <= 1 ? Math.min(2, lock) : lock, reason: 'in-progress' };
  }
  const retryAfter = retryAfterFromError(error, ctx.now);
  if (retryAfter !== undefined) return { seconds: retryAfter, reason: 'retry-after' };
  if (isThrottlingError(error)) return { seconds: throttledDelaySeconds(ctx.policy, ctx.attempt, ctx.random), reason: 'throttled' };
  return undefined;
}
