// Viber REST Bot API callbacks: one event per request, signed with
// `X-Viber-Content-Signature` = hex HMAC-SHA256 of the raw body, key = the
// bot's auth token. (The official viber-bot library also accepts `?sig=` in
// the query string; Viber itself sends the header, and only the header is
// accepted here.)
//
// Only `event: "message"` is a customer message. delivered, seen, failed,
// subscribed, unsubscribed, conversation_started and webhook (the set-up
// check) are acknowledged and not enqueued: the first three report on what
// the gateway sent, the rest carry no message.
import type { InboundMessage, MediaType, PlatformAttachmentRef, WebhookSecrets } from '../contract';
import {
  type Ignored,
  type JsonObject,
  type Normalised,
  type NormaliseOptions,
  type PlatformAdapter,
  type Verification,
  type WebhookHeaders,
  WebhookShapeError,
  addOutcome,
  compact,
  isObject,
  isOutboundEcho,
  isoFromEpoch,
  nonEmptyString,
  parseBody,
  positiveSize,
  receivedAtOf,
  verifyHmacHeader,
} from './adapter';
import { integerIdText, topLevelMemberText } from './raw-json';

const MEDIA: Record<string, MediaType> = { picture: 'Image', video: 'Video', file: 'File' };

export function verify(rawBody: Buffer, headers: WebhookHeaders, secrets: WebhookSecrets): Verification {
  return verifyHmacHeader(rawBody, headers, {
    header: 'X-Viber-Content-Signature',
    secret: secrets.viberAuthToken,
    secretName: 'viberAuthToken',
    encoding: 'hex',
  });
}

export function normalise(rawBody: Buffer | string, options?: NormaliseOptions): Normalised {
  const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const body = parseBody(text, options);
  if (!isObject(body)) throw new WebhookShapeError('Viber callback is not a JSON object');
  // Read from the text, never from `body.message_token` (a double that lost the low digits).
  const token = integerIdText(topLevelMemberText(text, 'message_token'));
  return addOutcome({ messages: [], ignored: [] }, normaliseEvent(body, token, receivedAtOf(options)));
}

function normaliseEvent(body: JsonObject, token: string | undefined, receivedAt: string): InboundMessage | Ignored {
  const ignore = (reason: string): Ignored => compact({ reason, eventId: token });
  if (isOutboundEcho(body)) return ignore('direction Outbound (sent by the gateway)');
  if (body.event !== 'message') return ignore(`event ${String(body.event)}`);
  if (!token) return ignore('no integer message_token');
  const sender = isObject(body.sender) ? body.sender : {};
  const userId = nonEmptyString(sender.id);
  if (!userId) return ignore('no sender.id');
  const time = isoFromEpoch(body.timestamp, 'ms');
  if (!time) return ignore('no usable timestamp');
  const message = isObject(body.message) ? body.message : {};

  const attachments: PlatformAttachmentRef[] = [];
  // A picture or video may carry a caption in `text`.
  const text = typeof message.text === 'string' && message.text !== '' ? message.text : undefined;
  if (message.type === 'text') {
    if (text === undefined) return ignore('text message without text');
  } else if (typeof message.type === 'string' && message.type in MEDIA) {
    const ref = nonEmptyString(message.media);
    if (!ref) return ignore(`${message.type} message without media URL`);
    attachments.push(compact({ mediaType: MEDIA[message.type]!, ref, filename: nonEmptyString(message.file_name), sizeBytes: positiveSize(message.size) }));
  } else {
    return ignore(`unsupported message type ${String(message.type)}`);
  }
  return compact({
    v: 1,
    platform: 'viber',
    userId,
    messageId: token,
    eventId: token,
    time,
    text,
    nickname: nonEmptyString(sender.name),
    attachments,
    receivedAt,
  } satisfies InboundMessage);
}

export const viber: PlatformAdapter = { platform: 'viber', verify, normalise };
