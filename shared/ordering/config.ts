// Ordering buffer configuration from the Lambda environment (set by Terraform's
// ordering-buffer module, or by the local stack from the same variables). The
// consumer reads only its part, and only when the feature is on: with
// ORDERING_BUFFER_TABLE unset it does exactly what it did without the buffer.

export type LateEventPolicy = 'mark' | 'drop';
export const LATE_EVENT_POLICIES: readonly LateEventPolicy[] = ['mark', 'drop'];

/** SQS allows a queue delay of 0-900 s; the hold window is that delay. */
export const MAX_HOLD_SECONDS = 900;

/** What the consumer needs: where to buffer and whom to trigger. */
export interface OrderingBufferSettings {
  bufferTable: string;
  releaseQueueUrl: string;
  holdSeconds: number;
}

export interface ReleaseSettings extends OrderingBufferSettings {
  feedQueueUrl: string;
  lateEvents: LateEventPolicy;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string, who: string): string {
  const value = env[name];
  if (!value) throw new Error(`${who}: environment variable ${name} is not set; Terraform's ordering-buffer module sets it (locally: scripts/local/provision.ts).`);
  return value;
}

export function holdSecondsFrom(raw: string | undefined, what = 'ORDERING_HOLD_SECONDS'): number {
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(value) || value < 0 || value > MAX_HOLD_SECONDS) {
    throw new Error(`${what}=${raw ?? ''} must be a whole number of seconds from 0 to ${MAX_HOLD_SECONDS} (the SQS queue delay range).`);
  }
  return value;
}

export function lateEventPolicyFrom(raw: string | undefined, what = 'ORDERING_LATE_EVENTS'): LateEventPolicy {
  if (raw === 'mark' || raw === 'drop') return raw;
  throw new Error(`${what}=${raw ?? ''} must be "mark" (release late events marked late) or "drop" (count and log them, keep them in the projection only).`);
}

/** The consumer's part, or undefined when the feature is off (ORDERING_BUFFER_TABLE unset). */
export function readOrderingBufferSettings(env: Env = process.env): OrderingBufferSettings | undefined {
  if (!env.ORDERING_BUFFER_TABLE) return undefined;
  return {
    bufferTable: env.ORDERING_BUFFER_TABLE,
    releaseQueueUrl: required(env, 'ORDERING_RELEASE_QUEUE_URL', 'event-consumer'),
    holdSeconds: holdSecondsFrom(env.ORDERING_HOLD_SECONDS),
  };
}

export function readReleaseSettings(env: Env = process.env): ReleaseSettings {
  return {
    bufferTable: required(env, 'ORDERING_BUFFER_TABLE', 'ordering-release'),
    releaseQueueUrl: required(env, 'ORDERING_RELEASE_QUEUE_URL', 'ordering-release'),
    feedQueueUrl: required(env, 'ORDERING_FEED_QUEUE_URL', 'ordering-release'),
    holdSeconds: holdSecondsFrom(env.ORDERING_HOLD_SECONDS),
    lateEvents: lateEventPolicyFrom(env.ORDERING_LATE_EVENTS),
  };
}
