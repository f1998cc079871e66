// WhatsApp Cloud API webhooks (Meta Graph): `X-Hub-Signature-256:
// sha256=<hex HMAC-SHA256 of the raw body>`, key = the app secret, and a GET
// verification handshake (handled by the ingest core with whatsappVerifyToken).
// One webhook carries `entry[].changes[].value` with `messages[]` from
// customers and `statuses[]` about what the gateway sent (sent, delivered,
// read, failed): statuses are acknowledged and never enqueued, or an agent's
// reply would come back into Genesys as a customer message.
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
  receivedAtOf,
  verifyHmacHeader,
} from './adapter';

const MEDIA: Record<string, MediaType> = { image: 'Image', video: 'Video', audio: 'Audio', document: 'File' };

export function verify(rawBody: Buffer, headers: WebhookHeaders, secrets: WebhookSecrets): Verification {
  return verifyHmacHeader(rawBody, headers, {
    header: 'X-Hub-Signature-256',
    secret: secrets.whatsappAppSecret,
    secretName: 'whatsappAppSecret',
    encoding: 'hex',
    prefix: 'sha256=',
  });
}

export function normalise(rawBody: Buffer | string, options?: NormaliseOptions): Normalised {
  const body = parseBody(rawBody, options);
  if (!isObject(body) || !Array.isArray(body.entry)) throw new WebhookShapeError('WhatsApp webhook has no entry array');
  const receivedAt = receivedAtOf(options);
  const result: Normalised = { messages: [], ignored: [] };
  if (body.object !== 'whatsapp_business_account') {
    result.ignored.push({ reason: `object ${String(body.object)}` });
    return result;
  }
  for (const entry of body.entry) {
    const changes = isObject(entry) && Array.isArray(entry.changes) ? entry.changes : [];
    for (const change of changes) {
      if (!isObject(change)) continue;
      if (change.field !== 'messages') {
        result.ignored.push({ reason: `change field ${String(change.field)}` });
        continue;
      }
      const value = isObject(change.value) ? change.value : {};
      normaliseValue(value, receivedAt, result);
    }
  }
  return result;
}

function normaliseValue(value: JsonObject, receivedAt: string, result: Normalised): void {
  for (const status of Array.isArray(value.statuses) ? value.statuses : []) {
    result.ignored.push(compact({ reason: 'status (about a message the gateway sent)', eventId: isObject(status) ? nonEmptyString(status.id) : undefined }));
  }
  const nicknames = new Map<string, string>();
  for (const contact of Array.isArray(value.contacts) ? value.contacts : []) {
    if (!isObject(contact)) continue;
    const waId = nonEmptyString(contact.wa_id);
    const name = isObject(contact.profile) ? nonEmptyString(contact.profile.name) : undefined;
    if (waId && name) nicknames.set(waId, name);
  }
  for (const message of Array.isArray(value.messages) ? value.messages : []) {
    addOutcome(result, normaliseMessage(message, nicknames, receivedAt));
  }
}

function normaliseMessage(message: unknown, nicknames: Map<string, string>, receivedAt: string): InboundMessage | Ignored {
  if (!isObject(message)) return { reason: 'message is not an object' };
  const wamid = nonEmptyString(message.id);
  const ignore = (reason: string): Ignored => compact({ reason, eventId: wamid });
  if (isOutboundEcho(message)) return ignore('direction Outbound (sent by the gateway)');
  if (!wamid) return ignore('no message id');
  const userId = nonEmptyString(message.from);
  if (!userId) return ignore('no from');
  const time = isoFromEpoch(message.timestamp, 's');
  if (!time) return ignore('no usable timestamp');

  let text: string | undefined;
  const attachments: PlatformAttachmentRef[] = [];
  const type = message.type;
  if (type === 'text') {
    text = isObject(message.text) && typeof message.text.body === 'string' ? message.text.body : undefined;
    if (text === undefined) return ignore('text message without text.body');
  } else if (typeof type === 'string' && type in MEDIA) {
    const media = isObject(message[type]) ? (message[type] as JsonObject) : {};
    const ref = nonEmptyString(media.id);
    if (!ref) return ignore(`${type} message without media id`);
    attachments.push(compact({ mediaType: MEDIA[type]!, ref, mime: nonEmptyString(media.mime_type), filename: nonEmptyString(media.filename) }));
    text = nonEmptyString(media.caption);
  } else {
    // reaction, sticker, location, contacts, interactive, button, order, system, unsupported …
    return ignore(`unsupported message type ${String(type)}`);
  }
  return compact({
    v: 1,
    platform: 'whatsapp',
    userId,
    messageId: wamid,
    eventId: wamid,
    time,
    text,
    nickname: nicknames.get(userId),
    attachments,
    receivedAt,
  } satisfies InboundMessage);
}

export const whatsapp: PlatformAdapter = { platform: 'whatsapp', verify, normalise };
