// Telegram Bot API webhooks: one Update per request, authenticated only by
// `X-Telegram-Bot-Api-Secret-Token` equal to the secret given to setWebhook
// (no HMAC: the body is not signed).
//
// Relayed: `message` updates in private chats from people. Acknowledged and
// not enqueued (decided here, see README): `edited_message` (Open Messaging
// has no edit: forwarding the new text as a new message would confuse the
// agent), `channel_post` / `edited_channel_post` (broadcast channels, not a
// customer), group chats (not 1:1), anything `from.is_bot` (including our own
// bot's echoes), callback queries, and every other update kind.
import type { InboundMessage, PlatformAttachmentRef, WebhookSecrets } from '../contract';
import {
  type Ignored,
  type JsonObject,
  type Normalised,
  type NormaliseOptions,
  type PlatformAdapter,
  type Verification,
  type WebhookHeaders,
  OK,
  WebhookShapeError,
  addOutcome,
  compact,
  constantTimeEqual,
  header,
  idText,
  isObject,
  isOutboundEcho,
  isoFromEpoch,
  nonEmptyString,
  parseBody,
  positiveSize,
  receivedAtOf,
  unauthorized,
} from './adapter';

export const TELEGRAM_SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

export function verify(_rawBody: Buffer, headers: WebhookHeaders, secrets: WebhookSecrets): Verification {
  if (!secrets.telegramSecretToken) return unauthorized('telegramSecretToken is not configured');
  const provided = header(headers, TELEGRAM_SECRET_HEADER);
  if (provided === undefined || provided === '') return unauthorized(`missing ${TELEGRAM_SECRET_HEADER}`);
  return constantTimeEqual(provided, secrets.telegramSecretToken) ? OK : unauthorized(`${TELEGRAM_SECRET_HEADER} does not match`);
}

const UPDATE_KINDS_IGNORED: Record<string, string> = {
  edited_message: 'edited_message (Open Messaging has no edit)',
  channel_post: 'channel_post (a broadcast channel, not a customer chat)',
  edited_channel_post: 'edited_channel_post (a broadcast channel, not a customer chat)',
};

export function normalise(rawBody: Buffer | string, options?: NormaliseOptions): Normalised {
  const update = parseBody(rawBody, options);
  if (!isObject(update)) throw new WebhookShapeError('Telegram update is not a JSON object');
  const eventId = idText(update.update_id);
  if (!eventId) throw new WebhookShapeError('Telegram update has no integer update_id');
  return addOutcome({ messages: [], ignored: [] }, normaliseUpdate(update, eventId, receivedAtOf(options)));
}

function normaliseUpdate(update: JsonObject, eventId: string, receivedAt: string): InboundMessage | Ignored {
  const ignore = (reason: string): Ignored => ({ reason, eventId });
  if (isOutboundEcho(update)) return ignore('direction Outbound (sent by the gateway)');
  const message = update.message;
  if (!isObject(message)) {
    const kind = Object.keys(update).find((k) => k !== 'update_id') ?? 'empty';
    return ignore(UPDATE_KINDS_IGNORED[kind] ?? `update kind ${kind}`);
  }
  const from = isObject(message.from) ? message.from : undefined;
  if (from?.is_bot === true) return ignore('from a bot (is_bot)');
  const chat = isObject(message.chat) ? message.chat : {};
  if (chat.type !== 'private') return ignore(`chat type ${String(chat.type)} (only 1:1 chats are relayed)`);
  const userId = idText(chat.id);
  if (!userId) return ignore('no chat.id');
  const messageNumber = idText(message.message_id);
  if (!messageNumber) return ignore('no message_id');
  const time = isoFromEpoch(message.date, 's');
  if (!time) return ignore('no usable date');

  const attachment = attachmentOf(message);
  const text = typeof message.text === 'string' ? message.text : typeof message.caption === 'string' ? message.caption : undefined;
  if (attachment === undefined && text === undefined) return ignore(`unsupported message content (${contentKind(message)})`);
  return compact({
    v: 1,
    platform: 'telegram',
    userId,
    // message_id counts per chat (every chat has a message 1): with the chat id
    // it is unique per bot, whether or not Genesys deduplicates on channel.messageId.
    messageId: `${userId}:${messageNumber}`,
    eventId,
    time,
    text,
    nickname: nonEmptyString(from?.first_name) ?? nonEmptyString(from?.username),
    attachments: attachment ? [attachment] : [],
    receivedAt,
  } satisfies InboundMessage);
}

function attachmentOf(message: JsonObject): PlatformAttachmentRef | undefined {
  if (Array.isArray(message.photo) && message.photo.length > 0) {
    // Telegram sends every size it made; the largest is the original.
    const largest = message.photo.filter(isObject).reduce<JsonObject | undefined>((best, size) => (best === undefined || area(size) >= area(best) ? size : best), undefined);
    const ref = nonEmptyString(largest?.file_id);
    // Telegram re-encodes photos as JPEG.
    return ref ? compact<PlatformAttachmentRef>({ mediaType: 'Image', ref, mime: 'image/jpeg', sizeBytes: positiveSize(largest?.file_size) }) : undefined;
  }
  const kinds = [
    ['video', 'Video'],
    ['voice', 'Audio'],
    ['audio', 'Audio'],
    ['document', 'File'],
  ] as const;
  for (const [key, mediaType] of kinds) {
    const media = message[key];
    if (!isObject(media)) continue;
    const ref = nonEmptyString(media.file_id);
    if (!ref) return undefined;
    return compact({
      mediaType,
      ref,
      mime: nonEmptyString(media.mime_type),
      filename: nonEmptyString(media.file_name),
      sizeBytes: positiveSize(media.file_size),
    });
  }
  return undefined;
}

const area = (size: JsonObject): number => (typeof size.width === 'number' ? size.width : 0) * (typeof size.height === 'number' ? size.height : 0);

const contentKind = (message: JsonObject): string =>
  ['sticker', 'location', 'contact', 'poll', 'dice', 'video_note', 'animation', 'venue', 'game'].find((k) => k in message) ?? 'no text or media';

export const telegram: PlatformAdapter = { platform: 'telegram', verify, normalise };
