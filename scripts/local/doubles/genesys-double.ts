// A Genesys Cloud double on loopback: the login (client-credentials token) and
// the Open Messaging inbound API, with Genesys's JSON shapes, status codes,
// headers and limits, so the forwarder is tested against what it will meet.
// One base URL serves both hosts (GENESYS_LOGIN_URL = GENESYS_API_URL = url).
//
// Decisions (where the public material leaves a choice):
// - Rate limit: a FIXED 60 s window per token, opened by the token's first call.
//   Genesys counts "requests per minute per token" and its 429 carries
//   inin-ratelimit-reset (seconds until the count resets), which only has a
//   meaning for a fixed window. Every API call with a valid token counts
//   (message, receipt, event; refused calls too); the login does not.
// - Outage: 503 `service.unavailable` with Genesys's error body, as the edge
//   answers when the service behind it is down (option `drop: true` resets the
//   connection instead). Login is down too. error5xx alternates 500 and 502.
// - Expired token: 401 `credentials.expired`; unknown token 401
//   `bad.credentials`; no token 401 `authentication.required` (codes and
//   messages of the Genesys error catalogue). A client must treat any 401 alike.
// - Wrong client credentials: 401 `{ error: "invalid_client", description,
//   error_description }` (login's OAuth error shape); wrong grant 400
//   `unsupported_grant_type`.
// - No inbound text cap below request.bytes.max (512,000 bytes): Genesys
//   documents 4,000 characters for agent text, none for inbound (unconfirmed).
// - The double never deduplicates (whether Genesys does by channel.messageId is
//   unconfirmed): every accepted call is logged, so a duplicate is visible.
// - Agent (opt-in, genesys-agent.ts): answers accepted customer messages with
//   signed outbound webhooks to the gateway, and serves their attachments.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGenesysAgent, type AgentReply, type GenesysAgent, type GenesysAgentOptions } from './genesys-agent';
import { guarded, listenOnLoopback, readCappedBody, sendJson } from './http';
import {
  fieldProblems,
  MAX_REQUEST_BYTES,
  openInboundNormalizedEvent,
  openInboundNormalizedMessage,
  openInboundNormalizedReceipt,
  type GenesysErrorBody,
} from './open-messaging-models';

export type GenesysDoubleMode = 'ok' | 'outage' | 'error5xx' | 'slow';

export interface GenesysModeOptions {
  /** Changes the per-token limit from now on. */
  rateLimitPerMinute?: number;
  /** slow: answer after this many ms (default 5,000). */
  slowMs?: number;
  /** outage: reset the connection instead of answering 503. */
  drop?: boolean;
}

export interface GenesysDoubleOptions {
  port?: number;
  clientId: string;
  clientSecret: string;
  integrationId: string;
  /** Platform API token.rate.per.minute (default 300): the calls a token may make per rate-limit window. */
  rateLimitPerMinute?: number;
  /**
   * The rate-limit window (default 60 s, Genesys's per-minute window). Tests
   * shorten it so a 429's Retry-After (the rest of the window) is seconds, not
   * a minute; the limit then counts calls per this window.
   */
  rateLimitWindowSeconds?: number;
  /** expires_in of issued tokens (default 86,400 s, the OAuth client default). */
  tokenLifetimeSeconds?: number;
  /** Clock for windows and expiry; tests pass a fake one. */
  now?: () => number;
  /** An agent answering accepted customer messages (also POST /__double/agent). */
  agent?: GenesysAgentOptions;
}

export interface InboundRecord<T = unknown> {
  integrationId: string;
  body: T;
  acceptedAt: string;
  /** What the double answered: Genesys message id and conversation id. */
  id: string;
  conversationId?: string;
}

export interface GenesysDoubleStats {
  /** Inbound messages accepted (200 on /inbound/open/message). */
  accepted: number;
  receiptsAccepted: number;
  eventsAccepted: number;
  answered429: number;
  answered5xx: number;
  /** 4xx other than 429 (401, 404, 400, 413), API and login. */
  answered4xx: number;
  tokensIssued: number;
  /** Every HTTP request except the /__double control paths. */
  requests: number;
  /** Highest number of calls admitted to one token inside one window. */
  peakCallsInWindow: number;
}

/** One token's rate-limit window: how much of the allowance was used (goodput is measured on these). */
export interface RateWindow {
  /** The token, by the order it was issued (1 = first), never the token itself. */
  token: number;
  start: string;
  admitted: number;
  refused: number;
  /** The window's 60 s are over. */
  complete: boolean;
}

export interface GenesysDouble {
  url: string;
  integrationId: string;
  stop(): Promise<void>;
  setMode(mode: GenesysDoubleMode, options?: GenesysModeOptions): void;
  mode(): GenesysDoubleMode;
  inbound(): InboundRecord[];
  receipts(): InboundRecord[];
  events(): InboundRecord[];
  stats(): GenesysDoubleStats;
  /** Every rate-limit window so far, per token, oldest first. */
  windows(): RateWindow[];
  /** Forgets every issued token: the next API call with one gets 401 (a forced refresh). */
  revokeTokens(): void;
  /** Starts (or replaces) the agent; undefined stops it. */
  setAgent(agent: GenesysAgentOptions | undefined): void;
  /** The agent's replies, in the order the customer messages were accepted (also GET /__double/agent-replies). */
  agentReplies(): AgentReply[];
  /** Resolves when the agent has had a final answer to every reply it queued. */
  agentIdle(): Promise<void>;
  /** An away agent queues its replies; online sends them (in order per conversation). */
  setAgentOnline(online: boolean): void;
  reset(): void;
}

const INBOUND_PATH = /^\/api\/v2\/conversations\/messages\/([^/]+)\/inbound\/open\/(message|receipt|event)$/;

const errorBody = (status: number, code: string, message: string, details: GenesysErrorBody['details'] = []): GenesysErrorBody => ({
  message,
  code,
  status,
  contextId: randomUUID(),
  details,
  errors: [],
});

const oauthError = (error: string, description: string) => ({ error, description, error_description: description });

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

export async function startGenesysDouble(options: GenesysDoubleOptions): Promise<GenesysDouble> {
  const now = options.now ?? Date.now;
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 86_400;
  const windowMs = (options.rateLimitWindowSeconds ?? 60) * 1000;
  if (!(windowMs >= 1000)) throw new RangeError(`rateLimitWindowSeconds must be at least 1, not ${options.rateLimitWindowSeconds}`);
  let rateLimitPerMinute = options.rateLimitPerMinute ?? 300;
  let mode: GenesysDoubleMode = 'ok';
  let slowMs = 5_000;
  let dropOnOutage = false;
  let errorToggle = 0;

  const tokens = new Map<string, number>(); // token → expiresAt (ms)
  const tokenNumbers = new Map<string, number>();
  interface Window {
    token: number;
    start: number;
    count: number;
    admitted: number;
  }
  const windows = new Map<string, Window>();
  let windowHistory: Window[] = [];
  const conversations = new Map<string, string>(); // channel.from.id → conversationId
  let inbound: InboundRecord[] = [];
  let receipts: InboundRecord[] = [];
  let events: InboundRecord[] = [];
  const freshStats = (): GenesysDoubleStats => ({
    accepted: 0,
    receiptsAccepted: 0,
    eventsAccepted: 0,
    answered429: 0,
    answered5xx: 0,
    answered4xx: 0,
    tokensIssued: 0,
    requests: 0,
    peakCallsInWindow: 0,
  });
  let stats = freshStats();
  let agent: GenesysAgent | undefined;

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (status === 429) stats.answered429 += 1;
    else if (status >= 500) stats.answered5xx += 1;
    else if (status >= 400) stats.answered4xx += 1;
    sendJson(res, status, body, headers);
  };

  /** outage / error5xx / slow; true when the mode has answered the request. */
  const applyMode = async (res: ServerResponse): Promise<boolean> => {
    if (mode === 'outage') {
      if (dropOnOutage) {
        stats.answered5xx += 1;
        res.socket?.destroy();
      } else {
        answer(res, 503, errorBody(503, 'service.unavailable', 'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).'));
      }
      return true;
    }
    if (mode === 'error5xx') {
      errorToggle += 1;
      if (errorToggle % 2 === 1) {
        answer(res, 500, errorBody(500, 'internal.server.error', 'The server encountered an unexpected condition which prevented it from fulfilling the request.'));
      } else {
        answer(res, 502, errorBody(502, 'bad.gateway', 'Bad Gateway - The server received an invalid response from an upstream server.'));
      }
      return true;
    }
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
    return false;
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (await applyMode(res)) return;
    const read = await readCappedBody(req, 16 * 1024);
    if (!read.ok) return answer(res, 413, oauthError('invalid_request', 'request body too large'), { connection: 'close' });
    const credentials = basicCredentials(req.headers.authorization);
    if (!credentials || credentials.clientId !== options.clientId) {
      return answer(res, 401, oauthError('invalid_client', 'client not found'));
    }
    if (!sameSecret(credentials.clientSecret, options.clientSecret)) {
      return answer(res, 401, oauthError('invalid_client', 'authentication failed'));
    }
    if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return answer(res, 400, oauthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded'));
    }
    const grant = new URLSearchParams(read.body.toString('utf8')).get('grant_type');
    if (grant !== 'client_credentials') {
      return answer(res, 400, oauthError('unsupported_grant_type', `grant_type ${grant === null ? 'is missing' : `"${grant}" is not supported`}: use client_credentials`));
    }
    const accessToken = randomBytes(32).toString('base64url');
    tokens.set(accessToken, now() + tokenLifetimeSeconds * 1000);
    stats.tokensIssued += 1;
    tokenNumbers.set(accessToken, tokenNumbers.size + 1);
    sendJson(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: tokenLifetimeSeconds });
  };

  /** 401 unless a live bearer token; answers and returns undefined on refusal. */
  const authenticate = (req: IncomingMessage, res: ServerResponse): string | undefined => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      answer(res, 401, errorBody(401, 'authentication.required', 'No authentication bearer token specified in authorization header.'));
      return undefined;
    }
    const token = match[1]!;
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined) {
      answer(res, 401, errorBody(401, 'bad.credentials', 'Invalid login credentials.'));
      return undefined;
    }
    if (now() >= expiresAt) {
      answer(res, 401, errorBody(401, 'credentials.expired', 'The supplied credentials are expired and cannot be used.'));
      return undefined;
    }
    return token;
  };

  /** Counts the call in the token's window; answers 429 and returns false when over the limit. */
  const admit = (token: string, res: ServerResponse): boolean => {
    const at = now();
    let window = windows.get(token);
    if (!window || at >= window.start + windowMs) {
      window = { token: tokenNumbers.get(token) ?? 0, start: at, count: 0, admitted: 0 };
      windows.set(token, window);
      windowHistory.push(window);
    }
    window.count += 1;
    if (window.count <= rateLimitPerMinute) {
      window.admitted += 1;
      stats.peakCallsInWindow = Math.max(stats.peakCallsInWindow, window.admitted);
      return true;
    }
    const retryAfter = Math.max(1, Math.ceil((window.start + windowMs - at) / 1000));
    answer(
      res,
      429,
      { message: `Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`, code: 'too.many.requests.retry.after', status: 429 },
      {
        'retry-after': String(retryAfter),
        'inin-ratelimit-count': String(window.count),
        'inin-ratelimit-allowed': String(rateLimitPerMinute),
        'inin-ratelimit-reset': String(retryAfter),
      },
    );
    return false;
  };

  const handleInbound = async (req: IncomingMessage, res: ServerResponse, integrationId: string, kind: string): Promise<void> => {
    if (await applyMode(res)) return;
    const token = authenticate(req, res);
    if (!token) return;
    if (integrationId !== options.integrationId) {
      return answer(res, 404, errorBody(404, 'not.found', `The requested resource was not found: no open messaging integration ${integrationId}.`));
    }
    if (!admit(token, res)) return;
    const read = await readCappedBody(req, MAX_REQUEST_BYTES);
    if (!read.ok) {
      if (read.reason === 'aborted') return;
      return answer(res, 413, errorBody(413, 'request.bytes.max', `The request body exceeds the maximum of ${MAX_REQUEST_BYTES} bytes.`), { connection: 'close' });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(read.body.toString('utf8'));
    } catch (error) {
      return answer(res, 400, errorBody(400, 'bad.request', `The request could not be understood by the server due to malformed syntax: ${(error as Error).message}`));
    }
    const schema = kind === 'message' ? openInboundNormalizedMessage : kind === 'receipt' ? openInboundNormalizedReceipt : openInboundNormalizedEvent;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const problems = fieldProblems(parsed.error);
      return answer(
        res,
        400,
        errorBody(
          400,
          'bad.request',
          problems.map((p) => `${p.field || 'body'}: ${p.problem}`).join('; '),
          problems.map((p) => ({ fieldName: p.field, errorCode: 'invalid.value' })),
        ),
      );
    }
    const acceptedAt = new Date(now()).toISOString();
    const id = randomUUID().replace(/-/g, '');
    const channelBase = { id: integrationId, platform: 'Open', type: 'Private' };
    if (kind === 'message') {
      const message = openInboundNormalizedMessage.parse(raw);
      const fromId = message.channel.from.id;
      let conversationId = conversations.get(fromId);
      if (!conversationId) {
        conversationId = randomUUID();
        conversations.set(fromId, conversationId);
      }
      inbound.push({ integrationId, body: raw, acceptedAt, id, conversationId });
      stats.accepted += 1;
      agent?.onInbound({ integrationId, fromId, messageId: message.channel.messageId ?? id, conversationId });
      sendJson(res, 200, {
        id,
        channel: { ...channelBase, messageId: message.channel.messageId, from: message.channel.from, time: message.channel.time },
        type: 'Text',
        text: message.text,
        content: (message.content ?? []).map((c) => ({ contentType: 'Attachment', attachment: c.attachment })),
        direction: 'Inbound',
        conversationId,
      });
    } else if (kind === 'receipt') {
      const receipt = openInboundNormalizedReceipt.parse(raw);
      receipts.push({ integrationId, body: raw, acceptedAt, id: receipt.id });
      stats.receiptsAccepted += 1;
      sendJson(res, 200, {
        id: receipt.id,
        channel: { ...channelBase, to: receipt.channel.to, time: receipt.channel.time },
        type: 'Receipt',
        status: receipt.status,
        reasons: receipt.reasons,
        isFinalReceipt: receipt.isFinalReceipt,
        direction: 'Outbound',
      });
    } else {
      const event = openInboundNormalizedEvent.parse(raw);
      events.push({ integrationId, body: raw, acceptedAt, id });
      stats.eventsAccepted += 1;
      sendJson(res, 200, { id, channel: { ...channelBase, from: event.channel.from, time: event.channel.time }, events: event.events, direction: 'Inbound' });
    }
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (req.method === 'GET' && path === '/__double/inbound') return sendJson(res, 200, inbound);
    if (req.method === 'GET' && path === '/__double/receipts') return sendJson(res, 200, receipts);
    if (req.method === 'GET' && path === '/__double/events') return sendJson(res, 200, events);
    if (req.method === 'GET' && path === '/__double/windows') return sendJson(res, 200, double.windows());
    if (req.method === 'GET' && path === '/__double/stats') return sendJson(res, 200, { ...stats, mode, rateLimitPerMinute });
    if (req.method === 'POST' && path === '/__double/reset') {
      double.reset();
      return sendJson(res, 200, { reset: true });
    }
    if (req.method === 'GET' && path === '/__double/agent-replies') return sendJson(res, 200, double.agentReplies());
    if (req.method === 'POST' && path === '/__double/agent') {
      const read = await readCappedBody(req, 4096);
      let body: Partial<GenesysAgentOptions> & { enabled?: unknown; online?: unknown } = {};
      try {
        body = read.ok ? (JSON.parse(read.body.toString('utf8')) as typeof body) : {};
      } catch {
        return sendJson(res, 400, { message: 'body must be JSON: { "webhookUrl", "secret", "conversationShare"?, "attachmentShare"?, "retryShare"? } or { "enabled": false }' });
      }
      if (body.enabled === false) {
        double.setAgent(undefined);
        return sendJson(res, 200, { agent: false });
      }
      if (typeof body.online === 'boolean' && body.webhookUrl === undefined) {
        double.setAgentOnline(body.online);
        return sendJson(res, 200, { online: body.online });
      }
      const share = (v: unknown) => v === undefined || (typeof v === 'number' && v >= 0 && v <= 1);
      if (typeof body.webhookUrl !== 'string' || !URL.canParse(body.webhookUrl) || typeof body.secret !== 'string' || body.secret === '') {
        return sendJson(res, 400, { message: 'webhookUrl (the gateway\'s Genesys webhook URL) and secret (the outbound webhook secret) are required' });
      }
      if (!share(body.conversationShare) || !share(body.attachmentShare) || !share(body.retryShare)) {
        return sendJson(res, 400, { message: 'conversationShare, attachmentShare and retryShare are numbers between 0 and 1' });
      }
      double.setAgent({
        webhookUrl: body.webhookUrl,
        secret: body.secret,
        ...(body.conversationShare !== undefined ? { conversationShare: body.conversationShare } : {}),
        ...(body.attachmentShare !== undefined ? { attachmentShare: body.attachmentShare } : {}),
        ...(body.retryShare !== undefined ? { retryShare: body.retryShare } : {}),
        ...(body.away === true ? { away: true } : {}),
      });
      return sendJson(res, 200, { agent: true });
    }
    if (req.method === 'POST' && path === '/__double/revoke-tokens') {
      double.revokeTokens();
      return sendJson(res, 200, { revoked: true });
    }
    if (req.method === 'POST' && path === '/__double/mode') {
      const read = await readCappedBody(req, 4096);
      let body: { mode?: unknown; rateLimitPerMinute?: unknown; slowMs?: unknown; drop?: unknown };
      try {
        body = read.ok ? (JSON.parse(read.body.toString('utf8')) as typeof body) : {};
      } catch {
        return sendJson(res, 400, { message: 'body must be JSON: { "mode": "ok" | "outage" | "error5xx" | "slow", "rateLimitPerMinute"?: n, "slowMs"?: n }' });
      }
      const requested = body.mode;
      if (requested !== 'ok' && requested !== 'outage' && requested !== 'error5xx' && requested !== 'slow') {
        return sendJson(res, 400, { message: `mode must be one of ok, outage, error5xx, slow (got ${JSON.stringify(requested)})` });
      }
      const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
      if (body.rateLimitPerMinute !== undefined && !positive(body.rateLimitPerMinute)) {
        return sendJson(res, 400, { message: 'rateLimitPerMinute must be a positive number' });
      }
      if (body.slowMs !== undefined && !positive(body.slowMs)) return sendJson(res, 400, { message: 'slowMs must be a positive number' });
      double.setMode(requested, {
        ...(positive(body.rateLimitPerMinute) ? { rateLimitPerMinute: body.rateLimitPerMinute } : {}),
        ...(positive(body.slowMs) ? { slowMs: body.slowMs } : {}),
        ...(body.drop === true ? { drop: true } : {}),
      });
      return sendJson(res, 200, { mode, rateLimitPerMinute, slowMs });
    }
    sendJson(res, 404, { message: `no control route ${req.method} ${path}` });
  };

  const listening = await listenOnLoopback(
    guarded(async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://double').pathname;
      if (path.startsWith('/__double/')) return control(req, res, path);
      // The agent's attachment downloads (pre-signed in Genesys: no token, not an API call).
      if (req.method === 'GET' && agent && (await agent.serveDownload(path, res))) return;
      stats.requests += 1;
      if (path === '/oauth/token') {
        if (req.method !== 'POST') return answer(res, 405, oauthError('invalid_request', 'use POST'));
        return handleToken(req, res);
      }
      const route = INBOUND_PATH.exec(path);
      if (route) {
        if (req.method !== 'POST') return answer(res, 405, errorBody(405, 'method.not.allowed', `${req.method} is not allowed on ${path}`));
        return handleInbound(req, res, decodeURIComponent(route[1]!), route[2]!);
      }
      answer(res, 404, errorBody(404, 'not.found', `The requested resource was not found: ${req.method} ${path}`));
    }),
    options.port ?? 0,
  );

  const double: GenesysDouble = {
    url: listening.url,
    integrationId: options.integrationId,
    stop: () => {
      agent?.stop();
      return listening.close();
    },
    setMode(next, modeOptions = {}) {
      mode = next;
      if (modeOptions.rateLimitPerMinute !== undefined) rateLimitPerMinute = modeOptions.rateLimitPerMinute;
      slowMs = modeOptions.slowMs ?? (next === 'slow' ? 5_000 : slowMs);
      dropOnOutage = modeOptions.drop === true;
    },
    mode: () => mode,
    inbound: () => [...inbound],
    receipts: () => [...receipts],
    events: () => [...events],
    stats: () => ({ ...stats }),
    windows: () =>
      windowHistory.map((w) => ({
        token: w.token,
        start: new Date(w.start).toISOString(),
        admitted: w.admitted,
        refused: w.count - w.admitted,
        complete: now() >= w.start + windowMs,
      })),
    revokeTokens: () => tokens.clear(),
    setAgent(next) {
      agent?.stop();
      agent = next ? createGenesysAgent(next, listening.url) : undefined;
    },
    agentReplies: () => agent?.replies() ?? [],
    agentIdle: async () => agent?.idle(),
    setAgentOnline: (online) => agent?.setOnline(online),
    reset() {
      agent?.clear();
      inbound = [];
      receipts = [];
      events = [];
      stats = freshStats();
      windows.clear();
      windowHistory = [];
      conversations.clear();
      mode = 'ok';
      rateLimitPerMinute = options.rateLimitPerMinute ?? 300;
    },
  };
  if (options.agent) double.setAgent(options.agent);
  return double;
}

/** Client of a double's control API, for a process that did not start it (the demo, `local up` users). */
export function genesysDoubleControl(url: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`Genesys double ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    inbound: () => call<InboundRecord[]>('GET', '/__double/inbound'),
    receipts: () => call<InboundRecord[]>('GET', '/__double/receipts'),
    agentReplies: () => call<AgentReply[]>('GET', '/__double/agent-replies'),
    setAgent: (agentOptions: GenesysAgentOptions | { enabled: false }) => call('POST', '/__double/agent', agentOptions),
    stats: () => call<GenesysDoubleStats & { mode: GenesysDoubleMode; rateLimitPerMinute: number }>('GET', '/__double/stats'),
    windows: () => call<RateWindow[]>('GET', '/__double/windows'),
    setMode: (mode: GenesysDoubleMode, modeOptions: GenesysModeOptions = {}) => call('POST', '/__double/mode', { mode, ...modeOptions }),
    reset: () => call('POST', '/__double/reset'),
  };
}
