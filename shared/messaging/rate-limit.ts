// A rate limit that holds across every concurrent instance: one DynamoDB item
// per bucket, shared by all Lambda environments (the Genesys limit is per
// token, and every forwarder instance uses the same token). The outbound
// dispatcher reuses it unchanged, one bucket per platform.
//
// Algorithm: GCRA (the generic cell rate algorithm, a token bucket written as
// one number). The item keeps `tat`, the theoretical arrival time (epoch ms)
// of the next request at the steady rate. A request for n tokens at `now`:
//   newTat    = max(tat, now) + n * interval
//   allowedAt = newTat - burst * interval
// and is granted if allowedAt - now ≤ maxWait; the caller then waits until
// allowedAt. Why GCRA over a classic bucket {tokens, refilledAt}: one
// attribute, no refill arithmetic, and a grant is a *reservation* of a time
// slot: callers that wait are served in the order they reserved, at exactly
// the rate, instead of all waking at once and racing for the next token.
//
// DynamoDB cannot compute max() in an update expression, so a grant is an
// optimistic write: `SET tat = :new IF tat = :seen`. The instance remembers
// the last tat it saw, so an uncontended grant is one UpdateItem; a lost race
// returns the current item (ReturnValuesOnConditionCheckFailure) and the
// grant is recomputed from it, again without a separate read.
//
// What a bucket guarantees: in any interval of t seconds at most
// burst + t * rate requests are granted, so a limit of L per window W is
// respected with ratePerSecond = (L - burst) / W (see ratePerSecondFor): this
// holds for a fixed window (the Genesys double's, and likely Genesys's, given
// its inin-ratelimit-reset header) and for a sliding one.
//
// A downstream's 429 is not a guess: pauseUntil() moves tat forward so that
// no instance is granted anything before the time the downstream named
// (Retry-After); waiting callers then hold their records instead of sending
// into a closed window.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RateLimitSettings {
  /** Steady rate, requests per second. */
  ratePerSecond: number;
  /** Requests that may go at once after an idle period (≥ 1). */
  burst: number;
  /** Longest a caller is told to wait in-process; beyond it the grant is refused with retryAfterMs. */
  maxWaitMs: number;
}

export interface GcraDecision {
  granted: boolean;
  /** The tat to store when granted. */
  newTat: number;
  /** Granted: how long to wait before sending. Refused: when to try again. */
  waitMs: number;
}

export const emissionIntervalMs = (settings: Pick<RateLimitSettings, 'ratePerSecond'>): number => 1000 / settings.ratePerSecond;

/** The pure GCRA step: what a request for `tokens` at `now` gets, given the stored tat (undefined: a fresh bucket). */
export function gcraDecide(tat: number | undefined, now: number, settings: RateLimitSettings, tokens = 1): GcraDecision {
  if (!(tokens >= 1) || tokens > settings.burst) throw new RangeError(`a grant takes 1..burst (${settings.burst}) tokens, not ${tokens}`);
  const interval = emissionIntervalMs(settings);
  const newTat = Math.max(tat ?? now, now) + tokens * interval;
  const allowedAt = newTat - settings.burst * interval;
  const waitMs = Math.max(0, Math.ceil(allowedAt - now));
  return { granted: waitMs <= settings.maxWaitMs, newTat, waitMs };
}

/** The tat that makes the first grant after `until` wait no less than until `until` (a downstream's Retry-After). */
export function pausedTat(until: number, settings: Pick<RateLimitSettings, 'ratePerSecond' | 'burst'>): number {
  return until + (settings.burst - 1) * emissionIntervalMs(settings);
}

/**
 * Rate for a limit of `limit` requests per `windowSeconds`, so that even a
 * full burst at the start of a window stays within it: (limit - burst) / window.
 */
export function ratePerSecondFor(limit: number, windowSeconds: number, burst: number): number {
  if (limit <= burst) throw new RangeError(`a limit of ${limit} per ${windowSeconds} s leaves no room for a burst of ${burst}`);
  return (limit - burst) / windowSeconds;
}

/**
 * Settings for a per-minute limit: a burst of one second's worth (at least 1,
 * and at most a tenth of the limit so the steady rate keeps ≥ 90% of it), and
 * the steady rate that keeps burst + 60 s of traffic within the limit.
 */
export function perMinuteSettings(limitPerMinute: number, maxWaitMs: number): RateLimitSettings {
  if (!(limitPerMinute >= 1)) throw new RangeError(`a rate limit must be at least 1 per minute, not ${limitPerMinute}`);
  if (limitPerMinute < 2) return { ratePerSecond: limitPerMinute / 60, burst: 1, maxWaitMs };
  const burst = Math.max(1, Math.min(Math.floor(limitPerMinute / 60), Math.floor(limitPerMinute / 10)));
  return { ratePerSecond: ratePerSecondFor(limitPerMinute, 60, burst), burst, maxWaitMs };
}

export type Grant = { granted: true; waitMs: number } | { granted: false; retryAfterMs: number };

export interface RateLimiter {
  /** Reserves `tokens` (default 1); the caller sleeps waitMs before sending, or holds its work for retryAfterMs. */
  acquire(tokens?: number): Promise<Grant>;
  /** Nobody is granted anything before `until` (epoch ms): the downstream said so. */
  pauseUntil(until: number): Promise<void>;
}

export interface DynamoRateLimiterOptions {
  client: DynamoDBDocumentClient;
  table: string;
  /** Bucket name, e.g. `genesys:<integration>` or `platform:line`. */
  bucket: string;
  settings: RateLimitSettings;
  now?: () => number;
  /** Lost races before giving up on this call (the caller then holds its work briefly). */
  maxAttempts?: number;
}

/** Idle buckets are removed by the table's TTL a day after their last grant. */
const BUCKET_TTL_SECONDS = 86_400;

const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException & { Item?: Record<string, unknown> } =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export const rateLimitItemId = (bucket: string): string => `ratelimit#${bucket}`;

export class DynamoRateLimiter implements RateLimiter {
  private seenTat: number | undefined;
  private readonly now: () => number;
  private readonly maxAttempts: number;

  constructor(private readonly options: DynamoRateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  get settings(): RateLimitSettings {
    return this.options.settings;
  }

  async acquire(tokens = 1): Promise<Grant> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const now = this.now();
      const decision = gcraDecide(this.seenTat, now, this.options.settings, tokens);
      if (!decision.granted) {
        // Refused on what this instance last saw; another instance may have
        // been refused too and written nothing, so the view is current
        // enough: the caller comes back after waitMs and reads it again.
        return { granted: false, retryAfterMs: decision.waitMs };
      }
      const written = await this.compareAndSet(this.seenTat, decision.newTat, now);
      if (written === 'ok') {
        this.seenTat = decision.newTat;
        // The grant is a slot at an instant (now + waitMs), not a wait from when the decision was made: the write
        // took time, and sleeping the whole waitMs after it sends late by that much, by a different amount on each
        // instance, which bunches sends together at the receiver (seen by the dispatcher bench as sends over the
        // platform's per-second limit under load).
        return { granted: true, waitMs: Math.max(0, now + decision.waitMs - this.now()) };
      }
      this.seenTat = written.current;
    }
    // Heavy contention: let the caller back off a little rather than spin.
    return { granted: false, retryAfterMs: Math.ceil(emissionIntervalMs(this.options.settings)) };
  }

  async pauseUntil(until: number): Promise<void> {
    const target = pausedTat(until, this.options.settings);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (this.seenTat !== undefined && this.seenTat >= target) return;
      const written = await this.compareAndSet(this.seenTat, target, this.now());
      if (written === 'ok') {
        this.seenTat = target;
        return;
      }
      this.seenTat = written.current;
    }
  }

  /** Writes `next` if the stored tat is still `seen`; otherwise returns the stored one. */
  private async compareAndSet(seen: number | undefined, next: number, now: number): Promise<'ok' | { current: number | undefined }> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.table,
          Key: { id: rateLimitItemId(this.options.bucket) },
          UpdateExpression: 'SET tat = :next, expiration = :expiration',
          ConditionExpression: seen === undefined ? 'attribute_not_exists(tat)' : 'tat = :seen',
          ExpressionAttributeValues: {
            ':next': next,
            ':expiration': Math.ceil(now / 1000) + BUCKET_TTL_SECONDS,
            ...(seen === undefined ? {} : { ':seen': seen }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'ok';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const stored = error.Item?.tat;
      return { current: typeStoredTat(stored) };
    }
  }
}

/** The document client returns numbers; the low-level error may carry an attribute value ({ N: "…" }). */
function typeStoredTat(stored: unknown): number | undefined {
  if (typeof stored === 'number') return stored;
  if (stored && typeof stored === 'object' && 'N' in stored) return Number((stored as { N: string }).N);
  return undefined;
}
