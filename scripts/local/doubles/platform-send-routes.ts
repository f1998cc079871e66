// The platforms' send endpoints on the platform double (issue 10):
//   LINE      POST /line/v2/bot/message/push, POST /line/v2/bot/chat/loading/start
//   Telegram  POST /telegram/bot{token}/sendMessage|sendPhoto|sendVideo|sendAudio|sendDocument|sendChatAction
//   Viber     POST /viber/pa/send_message
//   WhatsApp  POST /whatsapp/{phone-number-id}/messages
// with each platform's auth, success and error shapes (platform-send-answers.ts)
// and rate limits, and a log of what was accepted, in order
// (GET /__double/sent). The double fetches every media URL it is given, as
// the platform would, and records the bytes and SHA-256 it got: a URL that
// does not serve the file answers the platform's media error.
//
// Rate limits (per second, configurable): LINE 2,000 per channel; Telegram 30
// per bot and 1 per chat; Viber 100 (Viber publishes no figure: an assumed
// one); WhatsApp 80 per phone number (error 130429). Each is a sliding window
// of 1,000 ms over accepted sends, less a jitter allowance (default 25 ms):
// a client pacing at exactly the rate sees its requests arrive with a few ms
// of network noise, which the real platforms absorb (Telegram's "about 1 per
// second" is not a hard edge either).
//
// Failure injection: a user id can be made to answer blocked, invalid (unknown
// destination), media (the platform cannot use the media) or server-error
// (5xx / transient), for all its sends, until cleared.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Platform, PlatformCredentials } from '../../../shared/messaging/contract';
import { readCappedBody, sendJson } from './http';
import { lineAnswers, telegramAnswers, viberAnswers, whatsappAnswers, type PlatformAnswer } from './platform-send-answers';

export type SendLimitName = 'line' | 'telegram' | 'telegramPerChat' | 'viber' | 'whatsapp';
export const DEFAULT_SEND_LIMITS: Record<SendLimitName, number> = { line: 2000, telegram: 30, telegramPerChat: 1, viber: 100, whatsapp: 80 };

export type InjectedFailure = 'blocked' | 'invalid' | 'media' | 'server-error';

export interface SentAttachment {
  url: string;
  kind: string;
  /** What the double could fetch from the URL (absent if the fetch failed). */
  bytes?: number;
  sha256?: string;
}

export interface SentMessage {
  platform: Platform;
  to: string;
  text?: string;
  attachments: SentAttachment[];
  sentAt: string;
  /**
   * When the send was counted against the platform's rate limit (before any
   * media fetch): the instant the limit applies to. One LINE push of several
   * messages logs them all with the same admittedAt.
   */
  admittedAt: string;
  /** LINE X-Line-Retry-Key, when given. */
  retryKey?: string;
}

export interface SendRefusal {
  platform: Platform;
  to: string;
  status: number;
  why: string;
  at: string;
}

export interface SendRouteState {
  sent: SentMessage[];
  typing: Array<{ platform: Platform; to: string; at: string }>;
  refusals: SendRefusal[];
  limits: Record<SendLimitName, number>;
  jitterMs: number;
  failures: Map<string, InjectedFailure>;
}

/** The rate windows' allowance for network noise (see the head comment). */
export const SEND_LIMIT_JITTER_MS = 25;

export const newSendRouteState = (limits: Partial<Record<SendLimitName, number>> = {}, jitterMs = SEND_LIMIT_JITTER_MS): SendRouteState => ({
  sent: [],
  typing: [],
  refusals: [],
  limits: { ...DEFAULT_SEND_LIMITS, ...limits },
  jitterMs,
  failures: new Map(),
});

export const failureKey = (platform: Platform, userId: string): string => `${platform}:${userId}`;

interface SendContext {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
}
type SendRoute = (c: SendContext) => Promise<boolean>;

const MAX_SEND_BODY_BYTES = 64 * 1024;
const WINDOW_MS = 1000;

function answer(res: ServerResponse, reply: PlatformAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
  res.end(reply.body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const read = await readCappedBody(req, MAX_SEND_BODY_BYTES);
  if (!read.ok) return undefined;
  try {
    const body: unknown = JSON.parse(read.body.toString('utf8'));
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const sameSecret = (given: string | undefined, expected: string): boolean =>
  given !== undefined && createHash('sha256').update(given).digest().equals(createHash('sha256').update(expected).digest());
const bearer = (req: IncomingMessage): string | undefined => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];

/** Fetches a media URL as the platform would; never holds the file. */
async function fetchMedia(url: string, kind: string): Promise<SentAttachment> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok || !response.body) return { url, kind };
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { url, kind, bytes, sha256: hash.digest('hex') };
  } catch {
    return { url, kind };
  }
}

export function createSendRoutes(state: SendRouteState, credentials: PlatformCredentials) {
  const accepted = new Map<string, number[]>();
  /** Whether one more send fits the key's limit now; if so it is counted. */
  function admit(key: string, limit: number, now = Date.now()): { ok: true; at: number } | { ok: false; retryAfterMs: number } {
    const times = (accepted.get(key) ?? []).filter((t) => t > now - WINDOW_MS + state.jitterMs);
    accepted.set(key, times);
    if (times.length >= limit) return { ok: false, retryAfterMs: times[0]! + WINDOW_MS - state.jitterMs - now };
    times.push(now);
    return { ok: true, at: now };
  }
  const refuse = (platform: Platform, to: string, status: number, why: string) => state.refusals.push({ platform, to, status, why, at: new Date().toISOString() });
  const record = (message: Omit<SentMessage, 'sentAt' | 'admittedAt'>, admittedAt: number) =>
    state.sent.push({ ...message, sentAt: new Date().toISOString(), admittedAt: new Date(admittedAt).toISOString() });
  const failureOf = (platform: Platform, to: string) => state.failures.get(failureKey(platform, to));

  // ------------------------------------------------------------------ LINE
  const lineRetryKeys = new Map<string, string>();
  const line: SendRoute[] = [
    async (c) => {
      if (c.req.method !== 'POST' || (c.path !== '/v2/bot/message/push' && c.path !== '/v2/bot/chat/loading/start')) return false;
      if (!sameSecret(bearer(c.req), credentials.lineChannelAccessToken)) return answer(c.res, lineAnswers.unauthorized()), true;
      const body = await readJson(c.req);
      if (c.path === '/v2/bot/chat/loading/start') {
        const chatId = typeof body?.chatId === 'string' ? body.chatId : '';
        state.typing.push({ platform: 'line', to: chatId, at: new Date().toISOString() });
        return answer(c.res, lineAnswers.loadingStarted()), true;
      }
      const to = typeof body?.to === 'string' ? body.to : '';
      const messages = Array.isArray(body?.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
      if (!body || messages.length < 1 || messages.length > 5) {
        return answer(c.res, { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'The request body has 1 error(s)', details: [{ message: 'Size must be between 1 and 5', property: 'messages' }] }) }), true;
      }
      const retryKey = c.req.headers['x-line-retry-key'];
      const key = typeof retryKey === 'string' ? retryKey : undefined;
      if (key !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key)) {
        return answer(c.res, { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'The retry key must be a UUID' }) }), true;
      }
      if (key !== undefined && lineRetryKeys.has(key)) return answer(c.res, lineAnswers.retryKeyAccepted(lineRetryKeys.get(key)!)), true;
      const failure = failureOf('line', to);
      if (failure === 'server-error') return refuse('line', to, 500, 'injected'), answer(c.res, lineAnswers.serverError()), true;
      if (!/^U[0-9a-f]{32}$/.test(to) || failure === 'invalid' || failure === 'blocked') return refuse('line', to, 400, 'to'), answer(c.res, lineAnswers.invalidTo()), true;
      const admission = admit('line', state.limits.line);
      if (!admission.ok) return refuse('line', to, 429, 'rate'), answer(c.res, lineAnswers.tooManyRequests()), true;
      const media = await Promise.all(
        messages.filter((m) => typeof m.originalContentUrl === 'string').map((m) => fetchMedia(String(m.originalContentUrl), String(m.type))),
      );
      if (failure === 'media' || media.some((m) => m.bytes === undefined)) return refuse('line', to, 400, 'media'), answer(c.res, lineAnswers.invalidImageUrl()), true;
      const requestId = randomUUID();
      if (key !== undefined) lineRetryKeys.set(key, requestId);
      // One entry per LINE message, so the log reads like the chat the customer sees.
      let m = 0;
      for (const message of messages) {
        if (message.type === 'text') record({ platform: 'line', to, text: String(message.text), attachments: [], ...(key ? { retryKey: key } : {}) }, admission.at);
        else record({ platform: 'line', to, attachments: [media[m++]!], ...(key ? { retryKey: key } : {}) }, admission.at);
      }
      const reply = lineAnswers.sent(messages.length);
      reply.headers['x-line-request-id'] = requestId;
      return answer(c.res, reply), true;
    },
  ];

  // ------------------------------------------------------------------ Telegram
  let telegramMessageId = 1000;
  const TELEGRAM_MEDIA: Record<string, string> = { sendPhoto: 'photo', sendVideo: 'video', sendAudio: 'audio', sendDocument: 'document' };
  const telegram: SendRoute[] = [
    async (c) => {
      const match = /^\/bot([^/]+)\/(sendMessage|sendPhoto|sendVideo|sendAudio|sendDocument|sendChatAction)$/.exec(c.path);
      if (!match || c.req.method !== 'POST') return false;
      const method = match[2]!;
      if (!sameSecret(decodeURIComponent(match[1]!), credentials.telegramBotToken)) return answer(c.res, telegramAnswers.unauthorized()), true;
      const body = await readJson(c.req);
      if (!body) return answer(c.res, telegramAnswers.badRequest("can't parse JSON object")), true;
      const to = body.chat_id === undefined ? '' : String(body.chat_id);
      if (to === '') return answer(c.res, telegramAnswers.badRequest('chat_id is empty')), true;
      const failure = failureOf('telegram', to);
      if (failure === 'server-error') return refuse('telegram', to, 502, 'injected'), answer(c.res, { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>502 Bad Gateway</html>' }), true;
      if (failure === 'invalid') return refuse('telegram', to, 400, 'chat'), answer(c.res, telegramAnswers.chatNotFound()), true;
      if (failure === 'blocked') return refuse('telegram', to, 403, 'blocked'), answer(c.res, telegramAnswers.blocked()), true;
      if (method === 'sendChatAction') {
        state.typing.push({ platform: 'telegram', to, at: new Date().toISOString() });
        return answer(c.res, telegramAnswers.chatAction()), true;
      }
      const admittedAt = Date.now();
      for (const [key, limit] of [[`telegram:chat:${to}`, state.limits.telegramPerChat], ['telegram', state.limits.telegram]] as const) {
        const admitted = admit(key, limit, admittedAt);
        if (!admitted.ok) {
          refuse('telegram', to, 429, key === 'telegram' ? 'rate' : 'rate-per-chat');
          return answer(c.res, telegramAnswers.tooManyRequests(Math.max(1, Math.ceil(admitted.retryAfterMs / 1000)))), true;
        }
      }
      if (method === 'sendMessage') {
        const text = typeof body.text === 'string' ? body.text : '';
        if (text.length < 1 || text.length > 4096) return answer(c.res, telegramAnswers.badRequest(text.length ? 'message is too long' : 'message text is empty')), true;
        record({ platform: 'telegram', to, text, attachments: [] }, admittedAt);
        return answer(c.res, telegramAnswers.sent(to, ++telegramMessageId, { text })), true;
      }
      const field = TELEGRAM_MEDIA[method]!;
      const url = typeof body[field] === 'string' ? String(body[field]) : '';
      const media = url ? await fetchMedia(url, field) : undefined;
      if (!media || media.bytes === undefined || failure === 'media') return refuse('telegram', to, 400, 'media'), answer(c.res, telegramAnswers.badMediaUrl()), true;
      record({ platform: 'telegram', to, ...(typeof body.caption === 'string' ? { text: body.caption } : {}), attachments: [media] }, admittedAt);
      return answer(c.res, telegramAnswers.sent(to, ++telegramMessageId)), true;
    },
  ];

  // ------------------------------------------------------------------ Viber
  const viber: SendRoute[] = [
    async (c) => {
      if (c.path !== '/pa/send_message' || c.req.method !== 'POST') return false;
      const token = c.req.headers['x-viber-auth-token'];
      if (!sameSecret(typeof token === 'string' ? token : undefined, credentials.viberAuthToken)) return answer(c.res, viberAnswers.invalidAuthToken()), true;
      const body = await readJson(c.req);
      const to = typeof body?.receiver === 'string' ? body.receiver : '';
      const sender = body?.sender as { name?: unknown } | undefined;
      if (!body || to === '' || typeof sender?.name !== 'string' || typeof body.type !== 'string') return answer(c.res, { ...viberAnswers.badData('receiver, sender.name and type are required') }), true;
      const failure = failureOf('viber', to);
      if (failure === 'server-error') return refuse('viber', to, 503, 'injected'), answer(c.res, { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' }), true;
      if (failure === 'invalid') return refuse('viber', to, 200, 'status 5'), answer(c.res, viberAnswers.receiverNotRegistered()), true;
      if (failure === 'blocked') return refuse('viber', to, 200, 'status 6'), answer(c.res, viberAnswers.receiverNotSubscribed()), true;
      const admission = admit('viber', state.limits.viber);
      if (!admission.ok) return refuse('viber', to, 200, 'status 12'), answer(c.res, viberAnswers.tooManyRequests()), true;
      if (body.type === 'text') {
        if (typeof body.text !== 'string' || body.text === '' || Buffer.byteLength(JSON.stringify(body)) > 30 * 1024) return answer(c.res, viberAnswers.badData('text')), true;
        record({ platform: 'viber', to, text: body.text, attachments: [] }, admission.at);
      } else {
        const media = typeof body.media === 'string' ? await fetchMedia(body.media, body.type) : undefined;
        if (!media || media.bytes === undefined || failure === 'media') return refuse('viber', to, 200, 'status 3'), answer(c.res, viberAnswers.badData('media')), true;
        record({ platform: 'viber', to, ...(typeof body.text === 'string' && body.text ? { text: body.text } : {}), attachments: [media] }, admission.at);
      }
      // A 64-bit token, as Viber sends it.
      return answer(c.res, viberAnswers.sent((BigInt(`0x${randomBytes(8).toString('hex')}`) >> 1n).toString())), true;
    },
  ];

  // ------------------------------------------------------------------ WhatsApp
  const WHATSAPP_MEDIA = new Set(['image', 'video', 'audio', 'document']);
  const whatsapp: SendRoute[] = [
    async (c) => {
      const match = /^\/([^/]+)\/messages$/.exec(c.path);
      if (!match || c.req.method !== 'POST') return false;
      if (!sameSecret(bearer(c.req), credentials.whatsappAccessToken)) return answer(c.res, whatsappAnswers.unauthorized()), true;
      const body = await readJson(c.req);
      if (decodeURIComponent(match[1]!) !== credentials.whatsappPhoneNumberId || !body || body.messaging_product !== 'whatsapp' || typeof body.to !== 'string') {
        return answer(c.res, { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: randomBytes(8).toString('base64url') } }) }), true;
      }
      const to = body.to;
      const failure = failureOf('whatsapp', to);
      if (failure === 'server-error') return refuse('whatsapp', to, 503, 'injected'), answer(c.res, whatsappAnswers.serviceUnavailable()), true;
      if (failure === 'invalid') return refuse('whatsapp', to, 400, '131026'), answer(c.res, whatsappAnswers.undeliverable()), true;
      if (failure === 'blocked') return refuse('whatsapp', to, 400, '131050'), answer(c.res, whatsappAnswers.stoppedMarketing()), true;
      const admission = admit('whatsapp', state.limits.whatsapp);
      if (!admission.ok) return refuse('whatsapp', to, 400, '130429'), answer(c.res, whatsappAnswers.throughput()), true;
      const type = String(body.type ?? 'text');
      if (type === 'text') {
        const text = (body.text as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string' || text === '' || text.length > 4096) return answer(c.res, { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: '(#100) Param text[body] is invalid', type: 'OAuthException', code: 100 } }) }), true;
        record({ platform: 'whatsapp', to, text, attachments: [] }, admission.at);
      } else if (WHATSAPP_MEDIA.has(type)) {
        const link = (body[type] as { link?: unknown } | undefined)?.link;
        const media = typeof link === 'string' ? await fetchMedia(link, type) : undefined;
        if (!media || media.bytes === undefined || failure === 'media') return refuse('whatsapp', to, 400, '131052'), answer(c.res, whatsappAnswers.mediaDownload()), true;
        record({ platform: 'whatsapp', to, attachments: [media] }, admission.at);
      } else {
        return answer(c.res, { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: `(#131051) Unsupported message type ${type}`, type: 'OAuthException', code: 131051 } }) }), true;
      }
      return answer(c.res, whatsappAnswers.sent(to, `wamid.${randomBytes(18).toString('base64')}`)), true;
    },
  ];

  return { line, telegram, viber, whatsapp };
}

/** /__double/sent, /__double/send-refusals, /__double/typing, /__double/send-failures: the control paths of the send side. */
export async function sendControl(state: SendRouteState, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  if (req.method === 'GET' && path === '/__double/sent') return sendJson(res, 200, state.sent), true;
  if (req.method === 'GET' && path === '/__double/send-refusals') return sendJson(res, 200, state.refusals), true;
  if (req.method === 'GET' && path === '/__double/typing') return sendJson(res, 200, state.typing), true;
  if (req.method === 'POST' && path === '/__double/send-failures') {
    const body = await readJson(req);
    const platform = body?.platform;
    const userId = body?.userId;
    const failure = body?.failure;
    if (typeof platform !== 'string' || typeof userId !== 'string' || (failure !== null && !['blocked', 'invalid', 'media', 'server-error'].includes(String(failure)))) {
      return sendJson(res, 400, { message: 'body: { platform, userId, failure: blocked|invalid|media|server-error|null }' }), true;
    }
    if (failure === null) state.failures.delete(failureKey(platform as Platform, userId));
    else state.failures.set(failureKey(platform as Platform, userId), failure as InjectedFailure);
    return sendJson(res, 200, { ok: true }), true;
  }
  return false;
}
