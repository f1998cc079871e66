// LINE Messaging API webhooks: `{ destination, events: [...] }`, signed with
// `x-line-signature` = base64 HMAC-SHA256 of the raw body, key = channel
// secret (the check @line/bot-sdk's validateSignature makes; our tests compare
// against it). One webhook carries a batch of events, possibly from several
// users.
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

const MEDIA: Record<string, MediaType> = { image: 'Image', video: 'Video', audio: 'Audio', file: 'File' };

export function verify(rawBody: Buffer, headers: WebhookHeaders, secrets: WebhookSecrets): Verification {
  return verifyHmacHeader(rawBody, headers, {
    header: 'x-line-signature',
    secret: secrets.lineChannelSecret,
    secretName: 'lineChannelSecret',
    encoding: 'base64',
  });
}

export function normalise(rawBody: Buffer | string, options?: NormaliseOptions): Normalised {
  const body = parseBody(rawBody, options);
  // LINE's "Verify" button in the console sends `events: []`: a valid, empty webhook.
  if (!isObject(body) || !Array.isArray(body.events)) throw new WebhookShapeError('LINE webhook has no events array');
  const receivedAt = receivedAtOf(options);
  const result: Normalised = { messages: [], ignored: [] };
  for (const event of body.events) {
    addOutcome(result, normaliseEvent(event, receivedAt));
  }
  return result;
}

function normaliseEvent(event: unknown, receivedAt: string): InboundMessage | Ignored {
  if (!isObject(event)) return { reason: 'event is not an object' };
  const eventId = nonEmptyString(event.webhookEventId);
  const ignore = (reason: string): Ignored => compact({ reason, eventId });
  if (isOutboundEcho(event)) return ignore('direction Outbound (sent by the gateway)');
  // Standby: another channel (a module channel) owns the chat right now; it answers, we must not.
  if (event.mode === 'standby') return ignore('mode standby (another channel is active)');
  if (event.type !== 'message') return ignore(`event type ${String(event.type)}`);
  const source = isObject(event.source) ? event.source : {};
  // Open Messaging is one customer to one contact centre: group and room chats are not relayed.
  if (source.type !== 'user') return ignore(`source type ${String(source.type)} (only 1:1 chats are relayed)`);
  const userId = nonEmptyString(source.userId);
  if (!userId) return ignore('no source.userId');
  if (!eventId) return ignore('no webhookEventId');
  const message = isObject(event.message) ? event.message : undefined;
  const messageId = nonEmptyString(message?.id);
  if (!message || !messageId) return ignore('no message.id');
  const time = isoFromEpoch(event.timestamp, 'ms');
  if (!time) return ignore('no usable timestamp');

  const attachments: PlatformAttachmentRef[] = [];
  let text: string | undefined;
  if (message.type === 'text') {
    text = typeof message.text === 'string' ? message.text : undefined;
    if (text === undefined) return ignore('text message without text');
  } else if (typeof message.type === 'string' && message.type in MEDIA) {
    attachments.push(attachmentOf(message, MEDIA[message.type]!, messageId));
  } else {
    return ignore(`unsupported message type ${String(message.type)}`);
  }
  return compact({ v: 1, platform: 'line', userId, messageId, eventId, time, text, attachments, receivedAt } satisfies InboundMessage);
}

/**
 * The ref is the message id: the forwarder fetches the bytes from the content
 * API (GET /v2/bot/message/{id}/content). Users' media has
 * `contentProvider.type: "line"`; an `external` provider (content hosted
 * elsewhere, originalContentUrl) is relayed with the same ref and not handled
 * specially here (the forwarder sees the content API's answer).
 */
function attachmentOf(message: JsonObject, mediaType: MediaType, messageId: string): PlatformAttachmentRef {
  return compact({
    mediaType,
    ref: messageId,
    filename: nonEmptyString(message.fileName),
    sizeBytes: positiveSize(message.fileSize),
  });
}

export const line: PlatformAdapter = { platform: 'line', verify, normalise };
