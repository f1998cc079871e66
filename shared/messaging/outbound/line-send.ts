// LINE Messaging API push: POST {LINE_API_URL}/v2/bot/message/push
// {to, messages[1..5]} with the channel access token. X-Line-Retry-Key (a
// UUID) makes a retried push safe: LINE delivers a key once and answers a
// repeat with 409 (x-line-accepted-request-id), which is a success here. The
// key is derived from the Genesys message id and the push's index, so every
// redelivery of the same webhook — a Genesys retry, an SQS retry, a DLQ
// redrive — carries the same key.
//
// Media: LINE bots send images as {type:"image"} (JPEG/PNG, HTTPS URL);
// video needs a preview image and audio its duration, which Genesys does not
// give, and LINE has no file message for bots: those go as a text line with
// the link (decision, README).
//
// Typing: the loading animation (POST /v2/bot/chat/loading/start, 5–60 s in
// steps of 5) is LINE's typing indicator for one-to-one chats.
import { createHash } from 'node:crypto';
import { retryAfterSeconds } from '../../resilience/backoff';
import { attachmentLinkText, failed, jsonHeaders, parseJson, retry, type OutboundPart, type PlatformSender, type SendContext } from './send-types';

export const LINE_MAX_MESSAGES_PER_PUSH = 5;
const LINE_IMAGE_MIMES = new Set(['image/jpeg', 'image/png']);

/** A UUID (version nibble 5, RFC 4122 variant) derived from the Genesys message id and the push index. */
export function lineRetryKey(genesysMessageId: string, pushIndex: number): string {
  const hex = createHash('sha256').update(`line-push:${genesysMessageId}:${pushIndex}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function lineMessage(part: OutboundPart): Record<string, unknown> {
  if (part.kind === 'text') return { type: 'text', text: part.text };
  const { attachment } = part;
  if (attachment.mediaType === 'Image' && LINE_IMAGE_MIMES.has(attachment.mime)) {
    return { type: 'image', originalContentUrl: attachment.url, previewImageUrl: attachment.url };
  }
  return { type: 'text', text: attachmentLinkText(attachment) };
}

const auth = (context: SendContext) => ({ authorization: `Bearer ${context.credentials.lineChannelAccessToken}` });

export const lineSender: PlatformSender = {
  platform: 'line',
  requests(parts, context) {
    const pushes = [];
    for (let start = 0, index = 0; start < parts.length; start += LINE_MAX_MESSAGES_PER_PUSH, index++) {
      const chunk = parts.slice(start, start + LINE_MAX_MESSAGES_PER_PUSH);
      pushes.push({
        url: `${context.apiUrl}/v2/bot/message/push`,
        headers: jsonHeaders({ ...auth(context), 'x-line-retry-key': lineRetryKey(context.genesysMessageId, index) }),
        body: JSON.stringify({ to: context.userId, messages: chunk.map(lineMessage) }),
        parts: chunk.map((_, n) => start + n),
      });
    }
    return pushes;
  },
  typing(context, durationMs) {
    const seconds = Math.min(60, Math.max(5, Math.ceil((durationMs ?? 5_000) / 5_000) * 5));
    return {
      url: `${context.apiUrl}/v2/bot/chat/loading/start`,
      headers: jsonHeaders(auth(context)),
      body: JSON.stringify({ chatId: context.userId, loadingSeconds: seconds }),
      parts: [],
    };
  },
  classify(status, headers, bodyText, now) {
    const body = parseJson(bodyText);
    const message = typeof body?.message === 'string' ? body.message : `HTTP ${status}`;
    if (status >= 200 && status < 300) {
      const sent = Array.isArray(body?.sentMessages) ? (body.sentMessages[0] as { id?: unknown } | undefined) : undefined;
      return { kind: 'delivered', ...(typeof sent?.id === 'string' ? { platformMessageId: sent.id } : {}) };
    }
    // The retry key was already accepted: an earlier attempt delivered this push.
    if (status === 409) return { kind: 'delivered', ...(headers.get('x-line-accepted-request-id') ? { platformMessageId: headers.get('x-line-accepted-request-id')! } : {}) };
    if (status === 429) {
      // The monthly message quota is not a rate: retrying does not help until next month.
      if (/monthly limit/i.test(message)) return failed('RateLimited', `LINE: ${message}`);
      return retry(429, `LINE: ${message}`, { rateLimited: true, retryAfterSeconds: retryAfterSeconds(headers.get('retry-after') ?? undefined, now) });
    }
    if (status === 401) return retry(401, 'LINE: channel access token refused (rotated?)');
    if (status >= 500 || status === 408) return retry(status, `LINE: ${message}`);
    const details = Array.isArray(body?.details) ? (body.details as Array<{ property?: unknown; message?: unknown }>) : [];
    const properties = details.map((d) => String(d.property ?? ''));
    const detail = [message, ...details.map((d) => `${String(d.property ?? '')}: ${String(d.message ?? '')}`)].join('; ');
    if (properties.some((p) => p === 'to')) return failed('InvalidDestination', `LINE: ${detail}`);
    if (properties.some((p) => /ContentUrl|previewImageUrl/.test(p))) return failed('MediaTypeNotAllowed', `LINE: ${detail}`);
    return failed('GeneralError', `LINE HTTP ${status}: ${detail}`);
  },
};
