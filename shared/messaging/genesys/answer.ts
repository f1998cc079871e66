// What Genesys's answer to an inbound message means for the record:
//
//   2xx            accepted: done.
//   401            the token: re-read / refresh once, retry once (token.ts).
//   429            over the per-token limit: hold the record for Retry-After
//                  (visibility, never a sleep) and pause the shared limiter
//                  so no instance sends into the closed window.
//   400, 413       the body: permanent, DLQ at once with Genesys's reason.
//   404            no such integration: permanent (a configuration error;
//                  fix GENESYS_INTEGRATION_ID and redrive the DLQ).
//   403, other 4xx permanent as `genesys-rejected` (a missing permission is
//                  not cured by retrying; the DLQ keeps the messages).
//   408, 5xx,      transient: backoff with full jitter; these are what the
//   no answer      circuit breaker counts.
import { retryAfterSeconds } from '../../resilience/backoff';
import { PermanentEventError, type PermanentReason } from '../../resilience/errors';

export type GenesysAnswer =
  | { kind: 'accepted'; status: number; genesysMessageId?: string; conversationId?: string }
  | { kind: 'unauthorized'; status: 401 }
  | { kind: 'rate-limited'; status: 429; retryAfterSeconds: number | undefined }
  | { kind: 'permanent'; status: number; reason: PermanentReason; detail: string }
  | { kind: 'transient'; status: number; detail: string };

/** Genesys error body: { message, code, status, contextId, details, errors }. */
interface GenesysErrorBody {
  message?: unknown;
  code?: unknown;
  contextId?: unknown;
}

function errorDetail(status: number, bodyText: string): string {
  try {
    const body = JSON.parse(bodyText) as GenesysErrorBody;
    const parts = [`HTTP ${status}`];
    if (typeof body.code === 'string') parts.push(body.code);
    if (typeof body.message === 'string') parts.push(body.message.slice(0, 300));
    if (typeof body.contextId === 'string') parts.push(`contextId ${body.contextId}`);
    return parts.join(': ');
  } catch {
    return `HTTP ${status}${bodyText ? `: ${bodyText.slice(0, 200)}` : ''}`;
  }
}

export function classifyGenesysAnswer(status: number, headers: { get(name: string): string | null }, bodyText: string, now: number = Date.now()): GenesysAnswer {
  if (status >= 200 && status < 300) {
    try {
      const body = JSON.parse(bodyText) as { id?: unknown; conversationId?: unknown };
      return {
        kind: 'accepted',
        status,
        ...(typeof body.id === 'string' ? { genesysMessageId: body.id } : {}),
        ...(typeof body.conversationId === 'string' ? { conversationId: body.conversationId } : {}),
      };
    } catch {
      return { kind: 'accepted', status };
    }
  }
  if (status === 401) return { kind: 'unauthorized', status };
  if (status === 429) return { kind: 'rate-limited', status, retryAfterSeconds: retryAfterSeconds(headers.get('retry-after') ?? undefined, now) };
  if (status === 408 || status >= 500) return { kind: 'transient', status, detail: errorDetail(status, bodyText) };
  const reason: PermanentReason = status === 404 ? 'genesys-not-found' : status === 413 ? 'genesys-too-large' : 'genesys-rejected';
  return { kind: 'permanent', status, reason, detail: errorDetail(status, bodyText) };
}

/**
 * A failed Genesys call that is worth retrying. Shaped like a fetch failure
 * (`status`, `response.headers`) so shared/resilience/retry-hint.ts reads its
 * Retry-After and throttling status without knowing Genesys.
 */
export class GenesysCallError extends Error {
  override readonly name = 'GenesysCallError';
  readonly response: { status: number | undefined; headers: Record<string, string | undefined> };
  constructor(
    message: string,
    readonly status: number | undefined,
    retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.response = { status, headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) } };
  }
}

/** Failures that say Genesys is unhealthy (the breaker counts these; a 429 or a 4xx says nothing about its health). */
export function isGenesysOutage(error: unknown): boolean {
  if (!(error instanceof GenesysCallError)) return false;
  return error.status === undefined || error.status === 408 || error.status >= 500;
}

/** The answer as the forwarder acts on it: accepted returns, everything else throws a typed error. */
export function throwUnlessAccepted(answer: GenesysAnswer): Extract<GenesysAnswer, { kind: 'accepted' }> {
  switch (answer.kind) {
    case 'accepted':
      return answer;
    case 'permanent':
      throw new PermanentEventError(answer.reason, `Genesys refused the message: ${answer.detail}`);
    case 'rate-limited':
      throw new GenesysCallError('Genesys answered 429 (rate limit)', 429, answer.retryAfterSeconds);
    case 'unauthorized':
      throw new GenesysCallError('Genesys answered 401 after a token refresh', 401);
    case 'transient':
      throw new GenesysCallError(`Genesys failed: ${answer.detail}`, answer.status);
  }
}
