// The ingest endpoint: route → size cap → signature on the raw bytes →
// strict UTF-8 + JSON → normalise → enqueue whole → answer.
//
// On the request path ingest calls SQS and nothing else (Secrets Manager once
// per cold start, then from memory): no platform or Genesys call, no
// DynamoDB. FIFO deduplication covers a resend within 5 minutes; the durable
// "already forwarded" record for later redeliveries (Viber resends for about
// an hour) is the forwarder's Powertools idempotency keyed on
// inboundDeliveryKey, so a slow table can never slow or fail a webhook here.
//
// Status codes: 2xx whenever the webhook is taken (including events that are
// acknowledged and not enqueued: platforms disable webhooks that keep
// failing); 401 bad signature; 400 malformed (named); 413 too large; 404/405
// routing; 503 + Retry-After when the queue or the secrets cannot be reached,
// so the platform resends. Never a 500, never a 4xx for something we could not do.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { firstDuplicateKey } from '../../genesys/json-guard';
import { type InboundMessage, type Platform, type WebhookSecrets, inboundDeduplicationId, inboundGroupId, isPlatform } from '../contract';
import { readGenesysOutbound, verifyGenesysSignature } from '../genesys-webhook';
import { PLATFORM_ADAPTERS, type Ignored, WebhookShapeError } from '../platforms';
import { constantTimeEqual } from '../platforms/adapter';
import { EnqueueFailedError, EntryTooLargeError, type EnqueueOptions, type FifoEntry, enqueueAll } from './enqueue';
import { type IngestRequest, type IngestResponse, errorResponse, jsonResponse } from './http';

/** What a platform should wait before resending after a 503 (most ignore it and use their own schedule). */
export const RETRY_AFTER_SECONDS = 5;

/** The subset of Powertools Logger the core uses (kept small so tests pass a recorder). */
export interface IngestLogger {
  debug(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface IngestDependencies {
  sqs: SQSClient;
  inboundQueueUrl: string;
  outboundQueueUrl: string;
  maxWebhookBytes: number;
  secrets: () => Promise<WebhookSecrets>;
  logger: IngestLogger;
  /** Called with the platform event id / Genesys message id once known (the log correlation id). */
  correlate?: (id: string) => void;
  now?: () => Date;
  enqueue?: EnqueueOptions;
}

type Target = Platform | 'genesys';
const ROUTE = /(?:^|\/)webhooks\/([^/]+)\/?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Parsed = { ok: true; text: string; value: unknown } | { ok: false; reason: string };

/** Strict UTF-8, JSON, no repeated keys (two readers of one body must not disagree on it), an object at the top. */
function parseStrict(body: Buffer): Parsed {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${withoutQuotedInput((error as Error).message)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) return { ok: false, reason: `key "${duplicate}" appears twice in one object` };
  return { ok: true, text, value };
}

/**
 * V8 sometimes quotes a piece of the input ('Unexpected token 'x', "...hello..." is not valid JSON'):
 * the reason goes into a response and a log line, and a body never does.
 */
const withoutQuotedInput = (message: string): string => {
  const quoted = message.indexOf(', "');
  return quoted >= 0 && message.endsWith('is not valid JSON') ? message.slice(0, quoted) : message;
};

export function createIngest(deps: IngestDependencies) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;

  /** `remainingMs`: time left in the invocation (Lambda context), so retries stop before a timeout. */
  async function handle(request: IngestRequest, remainingMs?: () => number): Promise<IngestResponse> {
    try {
      return await route(request, remainingMs);
    } catch (error) {
      log.error('ingest failed unexpectedly', { error: error as Error });
      return errorResponse(503, 'unavailable', 'internal error; retry later', { 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
  }

  async function route(request: IngestRequest, remainingMs: (() => number) | undefined): Promise<IngestResponse> {
    const match = ROUTE.exec(request.path);
    const name = match?.[1] ?? '';
    if (!isPlatform(name) && name !== 'genesys') return errorResponse(404, 'not_found', `no webhook at ${request.path}`);
    const target: Target = name;
    const method = request.method.toUpperCase();
    if (target === 'whatsapp' && method === 'GET') return whatsappHandshake(request);
    if (method !== 'POST') {
      const allow = target === 'whatsapp' ? 'GET, POST' : 'POST';
      return errorResponse(405, 'method_not_allowed', `${method} is not accepted here; use ${allow}`, { allow });
    }
    // Before any parsing or hashing: a body over the cap costs nothing more.
    if (request.body.length > deps.maxWebhookBytes) {
      log.warn('webhook refused: too large', { platform: target, bytes: request.body.length });
      return errorResponse(413, 'too_large', `body of ${request.body.length} bytes exceeds the ${deps.maxWebhookBytes}-byte limit`);
    }
    const secrets = await readSecrets();
    if (!secrets) return unavailable('webhook secrets unavailable');

    const verdict = target === 'genesys' ? verifyGenesysSignature(request.body, request.headers, secrets.genesysWebhookSecret) : PLATFORM_ADAPTERS[target].verify(request.body, request.headers, secrets);
    if (!verdict.ok) {
      log.warn('webhook refused: signature', { platform: target, reason: verdict.reason, bytes: request.body.length });
      return errorResponse(401, 'unauthorized', verdict.reason);
    }

    const parsed = parseStrict(request.body);
    if (!parsed.ok) {
      log.warn('webhook refused: malformed', { platform: target, reason: parsed.reason });
      return errorResponse(400, 'malformed', parsed.reason);
    }
    return target === 'genesys' ? acceptGenesys(parsed.text, parsed.value, remainingMs) : acceptPlatform(target, parsed.text, parsed.value, remainingMs);
  }

  async function acceptPlatform(platform: Platform, text: string, value: unknown, remainingMs: (() => number) | undefined): Promise<IngestResponse> {
    let messages: InboundMessage[];
    let ignored: Ignored[];
    try {
      ({ messages, ignored } = PLATFORM_ADAPTERS[platform].normalise(text, { parsed: value, receivedAt: now().toISOString() }));
    } catch (error) {
      if (error instanceof WebhookShapeError) {
        log.warn('webhook refused: shape', { platform, reason: error.message });
        return errorResponse(400, 'malformed', error.message);
      }
      throw error;
    }
    if (messages[0]) deps.correlate?.(messages[0].eventId);
    const entries: FifoEntry[] = messages.map((m) => ({ body: JSON.stringify(m), groupId: inboundGroupId(m), deduplicationId: inboundDeduplicationId(m) }));
    const failure = await enqueue(deps.inboundQueueUrl, entries, platform, remainingMs);
    if (failure) return failure;
    if (ignored.length > 0) log.debug('webhook events acknowledged, not enqueued', { platform, ignored });
    log.info('webhook accepted', { platform, accepted: messages.length, ignored: ignored.length });
    log.debug('webhook event ids', { platform, eventIds: messages.map((m) => m.eventId) });
    return jsonResponse(200, { accepted: messages.length, ignored: ignored.length });
  }

  async function acceptGenesys(text: string, value: unknown, remainingMs: (() => number) | undefined): Promise<IngestResponse> {
    const read = readGenesysOutbound(value);
    if (!read.ok) {
      log.warn('webhook refused: shape', { platform: 'genesys', reason: read.reason });
      return errorResponse(400, 'malformed', read.reason);
    }
    deps.correlate?.(read.envelope.id);
    // The raw text as Genesys sent it: the dispatcher reads every field; nothing is lost in a re-serialisation.
    const failure = await enqueue(deps.outboundQueueUrl, [{ body: text, groupId: read.envelope.groupId, deduplicationId: read.envelope.deduplicationId }], 'genesys', remainingMs);
    if (failure) return failure;
    log.info('webhook accepted', { platform: 'genesys', accepted: 1, ignored: 0 });
    return jsonResponse(200, { accepted: 1, ignored: 0 });
  }

  async function enqueue(queueUrl: string, entries: FifoEntry[], platform: Target, remainingMs: (() => number) | undefined): Promise<IngestResponse | undefined> {
    if (entries.length === 0) return undefined;
    try {
      await enqueueAll(deps.sqs, queueUrl, entries, { ...deps.enqueue, ...(remainingMs ? { remainingMs } : {}) });
      return undefined;
    } catch (error) {
      if (error instanceof EntryTooLargeError) {
        log.warn('webhook refused: message too large for the queue', { platform, reason: error.message });
        return errorResponse(413, 'too_large', error.message);
      }
      if (error instanceof EnqueueFailedError) {
        log.error('webhook not queued: the platform will resend it', { platform, sent: error.sent, unsent: error.unsent, codes: error.codes });
        return unavailable('queue unavailable; resend the webhook');
      }
      throw error;
    }
  }

  async function readSecrets(): Promise<WebhookSecrets | undefined> {
    try {
      return await deps.secrets();
    } catch (error) {
      log.error('webhook secrets unavailable', { error: error as Error });
      return undefined;
    }
  }

  async function whatsappHandshake(request: IngestRequest): Promise<IngestResponse> {
    const secrets = await readSecrets();
    if (!secrets) return unavailable('webhook secrets unavailable');
    const mode = request.query['hub.mode'];
    const token = request.query['hub.verify_token'] ?? '';
    const challenge = request.query['hub.challenge'];
    const tokenMatches = secrets.whatsappVerifyToken !== '' && constantTimeEqual(token, secrets.whatsappVerifyToken);
    if (mode !== 'subscribe' || !tokenMatches) {
      log.warn('WhatsApp verification refused', { mode });
      return errorResponse(403, 'forbidden', 'hub.mode must be subscribe and hub.verify_token must match');
    }
    if (challenge === undefined || challenge === '') return errorResponse(400, 'malformed', 'hub.challenge is missing');
    log.info('WhatsApp verification answered', {});
    // Echoed as plain text (Meta compares it); nosniff keeps a browser from reading it as anything else.
    return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: challenge };
  }

  const unavailable = (reason: string): IngestResponse => errorResponse(503, 'unavailable', reason, { 'retry-after': String(RETRY_AFTER_SECONDS) });

  return { handle };
}

export type Ingest = ReturnType<typeof createIngest>;
