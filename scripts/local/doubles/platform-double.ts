// One loopback double for the four messaging platforms' APIs, each under its
// own prefix so the gateway is pointed at it through the *_API_URL settings
// (PLATFORM_API_DEFAULTS names the real hosts):
//   /line        api.line.me          (send endpoints: the outbound issue)
//   /line-data   api-data.line.me     GET /v2/bot/message/{messageId}/content
//   /telegram    api.telegram.org     GET|POST /bot{token}/getFile, GET /file/bot{token}/{file_path}
//   /viber       chatapi.viber.com    media URLs as Viber puts them in a webhook: /media/{id}
//   /whatsapp    graph.facebook.com/vNN.N   GET /{media-id} → metadata, then GET its url → bytes
// Auth, status codes and error bodies follow each platform's documented API.
// Media bytes are deterministic (media-bytes.ts) and streamed with
// Content-Length, so files up to 30 MB cost no memory.
//
// Each platform is a router: the send endpoints (LINE push, Telegram
// sendMessage & co, Viber send_message, WhatsApp messages) live in
// platform-send-routes.ts and join the same routers, after the media routes;
// GET /__double/sent lists the accepted sends in order.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Platform, PlatformCredentials } from '../../../shared/messaging/contract';
import { guarded, listenOnLoopback, readCappedBody, sendJson } from './http';
import { mediaDigest, mediaStream } from './media-bytes';
import {
  createSendRoutes,
  failureKey,
  newSendRouteState,
  sendControl,
  type InjectedFailure,
  type SendLimitName,
  type SendRefusal,
  type SentMessage,
} from './platform-send-routes';

export interface MediaSpec {
  sizeBytes: number;
  mime: string;
  filename?: string;
}

export interface MediaRequest {
  platform: Platform;
  /** The media reference the request resolved to (undefined when it resolved to nothing). */
  ref?: string;
  method: string;
  path: string;
  status: number;
  /** Bytes of media sent (0 for metadata or a refusal). */
  bytes: number;
  at: string;
}

export interface PlatformApiUrls {
  lineApiUrl: string;
  lineDataApiUrl: string;
  telegramApiUrl: string;
  viberApiUrl: string;
  whatsappApiUrl: string;
}

export interface PlatformDouble {
  url: string;
  apiUrls: PlatformApiUrls;
  /**
   * Registers a media file and returns what a webhook carries for it: LINE
   * message id, Telegram file_id, Viber media URL, WhatsApp media id.
   */
  putMedia(platform: Platform, ref: string, spec: MediaSpec): string;
  /** SHA-256 (hex) of a registered file's bytes, to check a copy against. */
  mediaSha256(platform: Platform, ref: string): string;
  mediaRequests(): MediaRequest[];
  /** Sends the platforms accepted, in order (also GET /__double/sent). */
  sent(): SentMessage[];
  /** Sends refused for a limit or an injected failure (GET /__double/send-refusals). */
  sendRefusals(): SendRefusal[];
  typing(): Array<{ platform: Platform; to: string; at: string }>;
  /** Makes every send to this user answer the platform's error for `failure` (null clears it). */
  failSends(platform: Platform, userId: string, failure: InjectedFailure | null): void;
  /** Per-second send limits from now on (LINE 2,000, Telegram 30 and 1 per chat, Viber 100, WhatsApp 80 by default). */
  setSendLimits(limits: Partial<Record<SendLimitName, number>>): void;
  reset(): void;
  stop(): Promise<void>;
}

/** Telegram bots may download files up to 20 MB through getFile. */
export const TELEGRAM_GETFILE_MAX_BYTES = 20 * 1024 * 1024;

interface StoredMedia extends MediaSpec {
  ref: string;
  sha256?: string;
}

interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path below the platform prefix, e.g. /v2/bot/message/123/content. */
  path: string;
  query: URLSearchParams;
  log(entry: Omit<MediaRequest, 'platform' | 'method' | 'path' | 'at'>): void;
}

/** Answers the request and returns true when the route is its; false passes to the next route. */
type Route = (context: RouteContext) => Promise<boolean>;

function bearer(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function streamMedia(context: RouteContext, media: StoredMedia, extraHeaders: Record<string, string> = {}): Promise<void> {
  context.res.writeHead(200, {
    'content-type': media.mime,
    'content-length': String(media.sizeBytes),
    ...(media.filename ? { 'content-disposition': `attachment; filename="${media.filename.replace(/"/g, '')}"` } : {}),
    ...extraHeaders,
  });
  context.log({ ref: media.ref, status: 200, bytes: media.sizeBytes });
  // A client that hangs up mid-file is its problem, not the double's.
  await pipeline(mediaStream(media.ref, media.sizeBytes), context.res).catch(() => undefined);
}

/** A media host (Viber's CDN, WhatsApp's lookaside): the bytes, or a bare 404. */
async function serveFromCdn(context: RouteContext, media: StoredMedia | undefined): Promise<true> {
  if (media) {
    await streamMedia(context, media);
  } else {
    context.res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    context.log({ status: 404, bytes: 0 });
  }
  return true;
}

export async function startPlatformDouble(options: {
  port?: number;
  credentials: PlatformCredentials;
  sendLimits?: Partial<Record<SendLimitName, number>>;
}): Promise<PlatformDouble> {
  const { credentials } = options;
  const sendState = newSendRouteState(options.sendLimits);
  const send = createSendRoutes(sendState, credentials);
  const store: Record<Platform, Map<string, StoredMedia>> = { line: new Map(), telegram: new Map(), viber: new Map(), whatsapp: new Map() };
  /** Telegram file_path and WhatsApp download ids → ref. */
  const telegramPaths = new Map<string, string>();
  const telegramFilePaths = new Map<string, string>();
  const whatsappDownloads = new Map<string, string>();
  let requests: MediaRequest[] = [];
  let baseUrl = '';

  const lineData: Route[] = [
    async (c) => {
      const match = /^\/v2\/bot\/message\/([^/]+)\/content$/.exec(c.path);
      if (!match || c.req.method !== 'GET') return false;
      if (!sameToken(bearer(c.req), credentials.lineChannelAccessToken)) {
        sendJson(c.res, 401, { message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' });
        c.log({ status: 401, bytes: 0 });
        return true;
      }
      const media = store.line.get(decodeURIComponent(match[1]!));
      if (!media) {
        sendJson(c.res, 404, { message: 'Not found' });
        c.log({ status: 404, bytes: 0 });
        return true;
      }
      await streamMedia(c, media);
      return true;
    },
  ];

  const telegramError = (c: RouteContext, status: number, description: string, ref?: string): true => {
    sendJson(c.res, status, { ok: false, error_code: status, description });
    c.log({ ...(ref ? { ref } : {}), status, bytes: 0 });
    return true;
  };

  const telegram: Route[] = [
    async (c) => {
      const match = /^\/bot([^/]+)\/getFile$/.exec(c.path);
      if (!match) return false;
      if (!sameToken(decodeURIComponent(match[1]!), credentials.telegramBotToken)) return telegramError(c, 401, 'Unauthorized');
      // The Bot API takes parameters in the query string, a form or a JSON body.
      let fileId = c.query.get('file_id');
      if (fileId === null && c.req.method === 'POST') {
        const read = await readCappedBody(c.req, 16 * 1024);
        if (read.ok) {
          const text = read.body.toString('utf8');
          const type = String(c.req.headers['content-type'] ?? '');
          try {
            fileId = type.includes('json') ? String((JSON.parse(text) as { file_id?: unknown }).file_id ?? '') || null : new URLSearchParams(text).get('file_id');
          } catch {
            return telegramError(c, 400, "Bad Request: can't parse JSON object");
          }
        }
      }
      if (!fileId) return telegramError(c, 400, 'Bad Request: file_id is empty');
      const media = store.telegram.get(fileId);
      if (!media) return telegramError(c, 400, 'Bad Request: invalid file_id');
      if (media.sizeBytes > TELEGRAM_GETFILE_MAX_BYTES) return telegramError(c, 400, 'Bad Request: file is too big', media.ref);
      const filePath = telegramFilePaths.get(media.ref);
      sendJson(c.res, 200, {
        ok: true,
        result: { file_id: media.ref, file_unique_id: createHash('sha256').update(media.ref).digest('base64url').slice(0, 16), file_size: media.sizeBytes, file_path: filePath },
      });
      c.log({ ref: media.ref, status: 200, bytes: 0 });
      return true;
    },
    async (c) => {
      const match = /^\/file\/bot([^/]+)\/(.+)$/.exec(c.path);
      if (!match || c.req.method !== 'GET') return false;
      if (!sameToken(decodeURIComponent(match[1]!), credentials.telegramBotToken)) return telegramError(c, 401, 'Unauthorized');
      const ref = telegramPaths.get(decodeURIComponent(match[2]!));
      const media = ref === undefined ? undefined : store.telegram.get(ref);
      if (!media) return telegramError(c, 404, 'Not Found');
      await streamMedia(c, media);
      return true;
    },
  ];

  const viber: Route[] = [
    async (c) => {
      // Viber media URLs are unauthenticated links that expire; they need no token.
      const match = /^\/media\/([^/]+)$/.exec(c.path);
      if (!match || c.req.method !== 'GET') return false;
      return serveFromCdn(c, store.viber.get(decodeURIComponent(match[1]!)));
    },
  ];

  const graphError = (c: RouteContext, status: number, error: Record<string, unknown>, ref?: string): true => {
    sendJson(c.res, status, { error: { ...error, fbtrace_id: randomBytes(8).toString('base64url') } });
    c.log({ ...(ref ? { ref } : {}), status, bytes: 0 });
    return true;
  };
  const graphAuthorised = (c: RouteContext): boolean => {
    if (sameToken(bearer(c.req), credentials.whatsappAccessToken)) return true;
    graphError(c, 401, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    return false;
  };

  const whatsapp: Route[] = [
    async (c) => {
      // The download URL the metadata hands out (lookaside.fbsbx.com in production): Bearer too.
      const match = /^\/media-download\/([^/]+)$/.exec(c.path);
      if (!match || c.req.method !== 'GET') return false;
      if (!graphAuthorised(c)) return true;
      const ref = whatsappDownloads.get(decodeURIComponent(match[1]!));
      return serveFromCdn(c, ref === undefined ? undefined : store.whatsapp.get(ref));
    },
    async (c) => {
      const match = /^\/([^/]+)$/.exec(c.path);
      if (!match || c.req.method !== 'GET') return false;
      if (!graphAuthorised(c)) return true;
      const mediaId = decodeURIComponent(match[1]!);
      const media = store.whatsapp.get(mediaId);
      if (!media) {
        return graphError(c, 400, {
          message: `Unsupported get request. Object with ID '${mediaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          type: 'GraphMethodException',
          code: 100,
          error_subcode: 33,
        });
      }
      media.sha256 ??= mediaDigest(media.ref, media.sizeBytes);
      const downloadId = randomBytes(12).toString('hex');
      whatsappDownloads.set(downloadId, media.ref);
      sendJson(c.res, 200, {
        messaging_product: 'whatsapp',
        url: `${baseUrl}/whatsapp/media-download/${downloadId}`,
        mime_type: media.mime,
        sha256: media.sha256,
        file_size: media.sizeBytes,
        id: media.ref,
      });
      c.log({ ref: media.ref, status: 200, bytes: 0 });
      return true;
    },
  ];

  const routers: Array<{ prefix: string; platform: Platform; routes: Route[] }> = [
    { prefix: '/line-data', platform: 'line', routes: lineData },
    { prefix: '/line', platform: 'line', routes: send.line },
    { prefix: '/telegram', platform: 'telegram', routes: [...telegram, ...send.telegram] },
    { prefix: '/viber', platform: 'viber', routes: [...viber, ...send.viber] },
    { prefix: '/whatsapp', platform: 'whatsapp', routes: [...send.whatsapp, ...whatsapp] },
  ];

  const listening = await listenOnLoopback(
    guarded(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://double');
      if (url.pathname === '/__double/media-requests' && req.method === 'GET') return sendJson(res, 200, requests);
      if (url.pathname === '/__double/reset' && req.method === 'POST') {
        double.reset();
        return sendJson(res, 200, { reset: true });
      }
      if (url.pathname.startsWith('/__double/') && (await sendControl(sendState, req, res, url.pathname))) return;
      const router = routers.find((r) => url.pathname === r.prefix || url.pathname.startsWith(`${r.prefix}/`));
      if (router) {
        const context: RouteContext = {
          req,
          res,
          path: url.pathname.slice(router.prefix.length) || '/',
          query: url.searchParams,
          log: (entry) => requests.push({ platform: router.platform, method: req.method ?? 'GET', path: url.pathname, at: new Date().toISOString(), ...entry }),
        };
        for (const route of router.routes) if (await route(context)) return;
      }
      sendJson(res, 404, { message: `the platform double has no route ${req.method} ${url.pathname}` });
    }),
    options.port ?? 0,
  );
  baseUrl = listening.url;

  const double: PlatformDouble = {
    url: listening.url,
    apiUrls: {
      lineApiUrl: `${listening.url}/line`,
      lineDataApiUrl: `${listening.url}/line-data`,
      telegramApiUrl: `${listening.url}/telegram`,
      viberApiUrl: `${listening.url}/viber`,
      whatsappApiUrl: `${listening.url}/whatsapp`,
    },
    putMedia(platform, ref, spec) {
      if (!Number.isInteger(spec.sizeBytes) || spec.sizeBytes < 0) throw new Error(`putMedia: sizeBytes must be a whole number of bytes (got ${spec.sizeBytes})`);
      store[platform].set(ref, { ref, sizeBytes: spec.sizeBytes, mime: spec.mime, ...(spec.filename !== undefined ? { filename: spec.filename } : {}) });
      if (platform === 'telegram') {
        const folder = spec.mime.startsWith('image/') ? 'photos' : spec.mime.startsWith('video/') ? 'videos' : spec.mime.startsWith('audio/') ? 'voice' : 'documents';
        const extension = spec.filename?.split('.').pop() ?? spec.mime.split('/')[1] ?? 'bin';
        const filePath = `${folder}/file_${telegramPaths.size}.${extension}`;
        telegramPaths.set(filePath, ref);
        telegramFilePaths.set(ref, filePath);
      }
      return platform === 'viber' ? `${listening.url}/viber/media/${encodeURIComponent(ref)}` : ref;
    },
    mediaSha256(platform, ref) {
      const media = store[platform].get(ref);
      if (!media) throw new Error(`no ${platform} media ${ref} was put on the platform double`);
      media.sha256 ??= mediaDigest(media.ref, media.sizeBytes);
      return media.sha256;
    },
    mediaRequests: () => [...requests],
    sent: () => [...sendState.sent],
    sendRefusals: () => [...sendState.refusals],
    typing: () => [...sendState.typing],
    failSends(platform, userId, failure) {
      if (failure === null) sendState.failures.delete(failureKey(platform, userId));
      else sendState.failures.set(failureKey(platform, userId), failure);
    },
    setSendLimits(limits) {
      Object.assign(sendState.limits, limits);
    },
    reset() {
      requests = [];
      sendState.sent.length = 0;
      sendState.refusals.length = 0;
      sendState.typing.length = 0;
      sendState.failures.clear();
    },
    stop: () => listening.close(),
  };
  return double;
}
