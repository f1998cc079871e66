// Attachments: the platform's media → a private S3 object → a pre-signed GET
// URL in the Open Messaging body. Genesys fetches the URL itself; the bytes
// never pass through Genesys's API call or sit whole in Lambda memory.
//
// Streaming: the platform's response body is piped through a byte counter
// into a multipart upload (@aws-sdk/lib-storage, for bodies of unknown
// length), one 5 MiB part buffered at a time. Past MAX_ATTACHMENT_BYTES the
// counter fails the stream, the upload is aborted (no parts left behind) and
// the record goes to the DLQ as `attachment-too-large`; a platform that
// announces a larger size (webhook size, Content-Length, Telegram file_size,
// WhatsApp file_size) is refused before a byte is read.
//
// Keys are derived from the delivery key (platform + event id) and the
// attachment's position, so a retry of the same record overwrites the same
// object instead of leaving copies.
//
// URL lifetime (design §1 trap): a pre-signed URL is only as good as the
// credentials that signed it. In Lambda those are the execution role's
// temporary session credentials, so the URL stops working at
// min(signing time + X-Amz-Expires, expiry of that session), whatever
// X-Amz-Expires says. Decision: ask for ATTACHMENT_URL_TTL_SECONDS, default
// 3,600 s (1 h). Genesys fetches an inbound attachment when the message
// arrives, within seconds; an hour leaves room for a Genesys backlog and is
// not longer than a role session is typically valid after it signs, and the
// object itself lives attachment_retention_days (≤ 2 days). A link that must
// live a day needs long-lived signing keys: CloudFront signed URLs with a key
// pair, not a role. README, "Messaging gateway: forwarder", records what was
// measured locally.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PermanentEventError } from '../resilience/errors';
import { inboundDeliveryKey, type InboundMessage, type PlatformAttachmentRef, type PlatformCredentials } from './contract';
import type { OpenMessageAttachment } from './genesys/open-message';

export interface PlatformApis {
  lineDataApiUrl: string;
  telegramApiUrl: string;
  viberApiUrl: string;
  whatsappApiUrl: string;
}

export interface AttachmentDeps {
  s3: S3Client;
  bucket: string;
  maxBytes: number;
  urlTtlSeconds: number;
  apis: PlatformApis;
  credentials: () => Promise<PlatformCredentials>;
  fetch?: typeof fetch;
  /** Per-request timeout for the platform's metadata calls and the start of a download. */
  timeoutMs?: number;
}

/** A platform failure worth retrying (429, 5xx, no answer); shaped like a fetch failure for the retry hint. */
export class MediaFetchError extends Error {
  override readonly name = 'MediaFetchError';
  readonly response: { status: number | undefined; headers: Record<string, string | undefined> };
  constructor(message: string, readonly status: number | undefined, retryAfter?: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.response = { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} };
  }
}

export const tooLarge = (platform: string, bytes: number | string, max: number) =>
  new PermanentEventError('attachment-too-large', `${platform} attachment is ${bytes} bytes; the limit is ${max} (MAX_ATTACHMENT_BYTES; Genesys accepts 25 MB)`);

/** S3 key of attachment `index` of a delivery: the same on every retry. */
export const attachmentKey = (message: Pick<InboundMessage, 'platform' | 'eventId'>, index: number): string =>
  `inbound/${message.platform}/${createHash('sha256').update(inboundDeliveryKey(message)).digest('hex').slice(0, 40)}/${index}`;

export interface MediaDownload {
  body: ReadableStream<Uint8Array>;
  mime: string | undefined;
  announcedBytes: number | undefined;
}

/**
 * The answer of a platform call: ok, permanent (the media is gone or we may
 * not read it) or transient. `what` names the call without its URL: a
 * Telegram URL carries the bot token.
 */
export async function platformCall(doFetch: typeof fetch, url: string, init: RequestInit, what: string, timeoutMs: number): Promise<Response> {
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new MediaFetchError(`${what}: no answer (${(error as Error).name})`, undefined, undefined, { cause: error });
  }
  if (response.ok) return response;
  const detail = (await response.text().catch(() => '')).slice(0, 200);
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    throw new MediaFetchError(`${what}: HTTP ${response.status}`, response.status, response.headers.get('retry-after'));
  }
  if (/too big/i.test(detail)) throw new PermanentEventError('attachment-too-large', `${what}: HTTP ${response.status}: ${detail}`);
  throw new PermanentEventError('attachment-unavailable', `${what}: HTTP ${response.status}: ${detail}`);
}

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const lengthOf = (response: Response): number | undefined => {
  const value = Number(response.headers.get('content-length') ?? NaN);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
};

function download(response: Response, mime?: string, announcedBytes?: number): MediaDownload {
  if (!response.body) throw new MediaFetchError('platform answered without a body', response.status);
  return { body: response.body, mime: mime ?? response.headers.get('content-type') ?? undefined, announcedBytes: lengthOf(response) ?? announcedBytes };
}

/** Media URLs from a webhook (Viber, Genesys outbound) are fetched only over https, or from a loopback double. */
export function checkedMediaUrl(raw: string, source = 'viber'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PermanentEventError('attachment-unavailable', `${source} media reference is not a URL`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new PermanentEventError('attachment-unavailable', `${source} media URL must be https (got ${url.protocol})`);
  }
  return url.href;
}

async function openMedia(message: InboundMessage, ref: PlatformAttachmentRef, deps: AttachmentDeps, maxBytes: number): Promise<MediaDownload> {
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const credentials = await deps.credentials();
  switch (message.platform) {
    case 'line': {
      const url = `${deps.apis.lineDataApiUrl}/v2/bot/message/${encodeURIComponent(ref.ref)}/content`;
      return download(await platformCall(doFetch, url, bearer(credentials.lineChannelAccessToken), 'LINE content API', timeoutMs), ref.mime);
    }
    case 'telegram': {
      const base = `${deps.apis.telegramApiUrl}/bot${credentials.telegramBotToken}`;
      const meta = await platformCall(doFetch, `${base}/getFile?file_id=${encodeURIComponent(ref.ref)}`, {}, 'Telegram getFile', timeoutMs);
      const file = ((await meta.json().catch(() => ({}))) as { result?: { file_path?: unknown; file_size?: unknown } }).result;
      if (typeof file?.file_path !== 'string') throw new PermanentEventError('attachment-unavailable', 'Telegram getFile answered without result.file_path');
      if (typeof file.file_size === 'number' && file.file_size > maxBytes) throw tooLarge('telegram', file.file_size, maxBytes);
      const bytes = await platformCall(doFetch, `${deps.apis.telegramApiUrl}/file/bot${credentials.telegramBotToken}/${file.file_path}`, {}, 'Telegram file download', timeoutMs);
      return download(bytes, ref.mime, typeof file.file_size === 'number' ? file.file_size : undefined);
    }
    case 'viber':
      return download(await platformCall(doFetch, checkedMediaUrl(ref.ref), {}, 'Viber media URL', timeoutMs), ref.mime);
    case 'whatsapp': {
      const auth = bearer(credentials.whatsappAccessToken);
      const meta = await platformCall(doFetch, `${deps.apis.whatsappApiUrl}/${encodeURIComponent(ref.ref)}`, auth, 'WhatsApp media metadata', timeoutMs);
      const media = (await meta.json().catch(() => ({}))) as { url?: unknown; mime_type?: unknown; file_size?: unknown };
      if (typeof media.url !== 'string') throw new PermanentEventError('attachment-unavailable', 'WhatsApp media metadata has no url');
      if (typeof media.file_size === 'number' && media.file_size > maxBytes) throw tooLarge('whatsapp', media.file_size, maxBytes);
      const bytes = await platformCall(doFetch, media.url, auth, 'WhatsApp media download', timeoutMs);
      return download(bytes, typeof media.mime_type === 'string' ? media.mime_type : ref.mime, typeof media.file_size === 'number' ? media.file_size : undefined);
    }
  }
}

/** Counts bytes on their way to S3 and fails the stream past the cap. */
class ByteCap extends Transform {
  bytes = 0;
  exceeded = false;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      done(new Error(`attachment passed ${this.maxBytes} bytes`));
      return;
    }
    done(null, chunk);
  }
}

/** One multipart part in memory at a time (S3's minimum part size). */
const PART_BYTES = 5 * 1024 * 1024;

/** Streams a download into s3://bucket/key through the byte cap; resolves the bytes written. The dispatcher re-hosts Genesys's outbound attachments with it too. */
export async function streamToS3(
  deps: Pick<AttachmentDeps, 's3' | 'bucket' | 'maxBytes'>,
  key: string,
  media: Pick<MediaDownload, 'body' | 'mime'>,
  platform: string,
): Promise<number> {
  const cap = new ByteCap(deps.maxBytes);
  const source = Readable.fromWeb(media.body as unknown as NodeWebReadableStream<Uint8Array>);
  source.on('error', (error) => cap.destroy(error));
  source.pipe(cap);
  const upload = new Upload({
    client: deps.s3,
    queueSize: 1,
    partSize: PART_BYTES,
    leavePartsOnError: false,
    params: { Bucket: deps.bucket, Key: key, Body: cap, ContentType: media.mime ?? 'application/octet-stream' },
  });
  try {
    await upload.done();
  } catch (error) {
    source.destroy();
    if (cap.exceeded) throw tooLarge(platform, `more than ${deps.maxBytes}`, deps.maxBytes);
    throw new MediaFetchError(`${platform} attachment could not be copied to S3: ${(error as Error).name}: ${(error as Error).message}`, undefined, undefined, {
      cause: error,
    });
  }
  return cap.bytes;
}

export interface StoredAttachment extends OpenMessageAttachment {
  key: string;
  bytes: number;
}

/** Copies each attachment of the message to S3 and returns what Genesys needs to fetch it. */
export async function storeAttachments(message: InboundMessage, deps: AttachmentDeps): Promise<StoredAttachment[]> {
  const stored: StoredAttachment[] = [];
  for (const [index, ref] of message.attachments.entries()) {
    if (ref.sizeBytes !== undefined && ref.sizeBytes > deps.maxBytes) throw tooLarge(message.platform, ref.sizeBytes, deps.maxBytes);
    const media = await openMedia(message, ref, deps, deps.maxBytes);
    if (media.announcedBytes !== undefined && media.announcedBytes > deps.maxBytes) {
      await media.body.cancel().catch(() => undefined);
      throw tooLarge(message.platform, media.announcedBytes, deps.maxBytes);
    }
    const key = attachmentKey(message, index);
    const bytes = await streamToS3(deps, key, media, message.platform);
    const url = await getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: deps.bucket, Key: key }), { expiresIn: deps.urlTtlSeconds });
    const mime = (ref.mime ?? media.mime ?? 'application/octet-stream').split(';')[0]!.trim();
    stored.push({ mediaType: ref.mediaType, url, mime, ...(ref.filename ? { filename: ref.filename } : {}), key, bytes });
  }
  return stored;
}
