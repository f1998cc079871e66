// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
// Backoff And Jitter"): the delay is uniform in [0, min(cap, base * 2^(n-1))],
// so a burst of failures comes back spread out instead of as a herd.

export interface BackoffPolicy {
  baseSeconds: number;
  capSeconds: number;
}

/** Upper bound of the delay for the n-th attempt (n >= 1). */
export const backoffCeilingSeconds = ({ baseSeconds, capSeconds }: BackoffPolicy, attempt: number): number =>
  Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));

export function fullJitterSeconds(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * backoffCeilingSeconds(policy, attempt));
}

/** A downstream's Retry-After (seconds or HTTP date) wins over the computed delay. */
export function retryAfterSeconds(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds) : undefined;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : undefined;
}

/**
 * How long a record refused by an open circuit stays invisible. It grows
 * faster than the ordinary backoff (x3 per receive, from the breaker's
 * half-open delay) because every receive counts towards maxReceiveCount: with
 * the defaults (5 s, cap 300 s, 5 receives) a record rides out an outage of
 * about three minutes before the redrive policy moves it to the DLQ.
 */
export const openCircuitHoldSeconds = (halfOpenAfterSeconds: number, attempt: number, capSeconds: number): number =>
  Math.min(Math.max(capSeconds, halfOpenAfterSeconds), halfOpenAfterSeconds * 3 ** Math.max(0, attempt - 1));
