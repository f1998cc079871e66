// What every platform adapter offers the ingest core, and the pieces they
// share: case-insensitive headers, constant-time comparison, timestamps.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundMessage, Platform, WebhookSecrets } from '../contract';

/** Request headers as they arrive (any case); API Gateway joins repeated headers with commas. */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

export type Verification = { ok: true } | { ok: false; status: 401; reason: string };

/** Something acknowledged but not enqueued, with why (counted and logged at debug by the handler). */
export interface Ignored {
  reason: string;
  eventId?: string;
}

export interface Normalised {
  messages: InboundMessage[];
  ignored: Ignored[];
}

export interface NormaliseOptions {
  /** ISO time the webhook was accepted (InboundMessage.receivedAt); now by default. */
  receivedAt?: string;
  /** The body already parsed by the caller (the ingest core parses strictly once); parsed from rawBody otherwise. */
  parsed?: unknown;
}

export interface PlatformAdapter {
  platform: Platform;
  verify(rawBody: Buffer, headers: WebhookHeaders, secrets: WebhookSecrets): Verification;
  /** Throws WebhookShapeError when the body is not this platform's webhook at all (→ 400); single odd events are ignored, not thrown. */
  normalise(rawBody: Buffer | string, options?: NormaliseOptions): Normalised;
}

/** The body is JSON but not the platform's webhook envelope (e.g. no `events` array): a 400 naming the problem. */
export class WebhookShapeError extends Error {
  override readonly name = 'WebhookShapeError';
}

export const OK: Verification = { ok: true };
export const unauthorized = (reason: string): Verification => ({ ok: false, status: 401, reason });

export function header(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * Constant-time equality of two strings of any length: both sides are hashed
 * to 32 bytes first, so neither the comparison time nor an early length check
 * tells an attacker how long the expected value (or a secret) is.
 */
export function constantTimeEqual(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export const hmacSha256 = (key: string, rawBody: Buffer): Buffer => createHmac('sha256', key).update(rawBody).digest();

/**
 * Verifies `header` = HMAC-SHA256(rawBody, secret) in the given encoding,
 * optionally behind a prefix (`sha256=`). An empty secret means the platform is
 * not configured: refused, since an HMAC with an empty key is forgeable by anyone.
 */
export function verifyHmacHeader(
  rawBody: Buffer,
  headers: WebhookHeaders,
  spec: { header: string; secret: string; secretName: string; encoding: 'base64' | 'hex'; prefix?: string },
): Verification {
  if (!spec.secret) return unauthorized(`${spec.secretName} is not configured`);
  const value = header(headers, spec.header);
  if (value === undefined || value === '') return unauthorized(`missing ${spec.header}`);
  const prefix = spec.prefix ?? '';
  if (!value.startsWith(prefix)) return unauthorized(`${spec.header} does not start with ${prefix}`);
  const digest = hmacSha256(spec.secret, rawBody).toString(spec.encoding);
  // Hex is case-insensitive by definition; base64 is compared exactly.
  const provided = spec.encoding === 'hex' ? value.slice(prefix.length).toLowerCase() : value.slice(prefix.length);
  return constantTimeEqual(provided, digest) ? OK : unauthorized(`${spec.header} does not match the body`);
}

/** Platform epoch (seconds or milliseconds) → ISO-8601 with milliseconds; undefined when it is not a usable time. */
export function isoFromEpoch(value: unknown, unit: 'ms' | 's'): string | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
  const date = new Date(unit === 's' ? n * 1000 : n);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

export const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A number or string id as text (Telegram chat ids are integers; ids are always text in InboundMessage). */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

export const positiveSize = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

/** `direction: "Outbound"` anywhere on an event marks what the gateway itself sent: never re-ingest it. */
export const isOutboundEcho = (event: JsonObject): boolean => event.direction === 'Outbound';

export function parseBody(rawBody: Buffer | string, options: NormaliseOptions | undefined): unknown {
  if (options && 'parsed' in options) return options.parsed;
  return JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
}

export const receivedAtOf = (options: NormaliseOptions | undefined): string => options?.receivedAt ?? new Date().toISOString();

/** Adds one event's outcome to the result: a message to queue, or a reason it is acknowledged and not queued. */
export function addOutcome(result: Normalised, outcome: InboundMessage | Ignored): Normalised {
  if ('reason' in outcome) result.ignored.push(outcome);
  else result.messages.push(outcome);
  return result;
}

/** Strips undefined optional fields so queue bodies stay small and deterministic. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
