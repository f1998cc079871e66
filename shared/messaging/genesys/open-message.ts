// InboundMessage (what the ingest function queued) → the Open Messaging
// inbound body Genesys accepts (OpenInboundNormalizedMessage of the platform
// SDK), posted to the integration's /inbound/open/message path (the
// per-integration path; the old /conversations/messages/inbound/open with
// the integration in channel.to is deprecated).
//
// Threading: Genesys keeps messages with the same channel.from.id in one
// conversation, so from.id must be stable per platform user and unique across
// platforms: `<platform>:<userId>` (the conversation key of the FIFO group).
// idType "Opaque": a platform user id is neither a phone number (WhatsApp's
// wa_id is one, but sending it as "Phone" would let Genesys treat it as
// dialable) nor an e-mail.
//
// Long text (decision): no split. Genesys documents 4,000 characters for
// agent text and no cap for inbound text below request.bytes.max (512,000
// bytes for the whole body); the platforms cap their own messages far below
// that (LINE 5,000 characters, Telegram and WhatsApp 4,096, Viber 30 KB). A
// split would turn one platform message into several Genesys messages that
// share a messageId and could be half-delivered on a retry. A body over
// request.bytes.max (only possible with a broken or hostile producer) goes to
// the DLQ with reason `message-too-large`; a text Genesys itself refuses
// comes back as a 400 and goes to the DLQ as `genesys-rejected`, with
// Genesys's error in the attributes.
import { conversationKey, type InboundMessage, type MediaType } from '../contract';
import { PermanentEventError } from '../../resilience/errors';

/** request.bytes.max of the Genesys Platform API. */
export const GENESYS_MAX_REQUEST_BYTES = 512_000;

export interface OpenMessageAttachment {
  mediaType: MediaType;
  /** Pre-signed GET URL of the copy in the attachment bucket. */
  url: string;
  mime: string;
  filename?: string;
}

export interface OpenInboundNormalizedMessage {
  channel: {
    from: { id: string; idType: 'Opaque'; nickname?: string };
    time: string;
    messageId: string;
  };
  text?: string;
  content?: Array<{ attachment: OpenMessageAttachment }>;
}

/** Path of the inbound message call for an integration (relative to GENESYS_API_URL). */
export const inboundMessagePath = (integrationId: string): string =>
  `/api/v2/conversations/messages/${encodeURIComponent(integrationId)}/inbound/open/message`;

/** Path of the receipt call for an agent's message (relative to GENESYS_API_URL). */
export const inboundReceiptPath = (integrationId: string): string =>
  `/api/v2/conversations/messages/${encodeURIComponent(integrationId)}/inbound/open/receipt`;

/** Genesys from.id of a platform user: stable, so Genesys threads the user's messages into one conversation. */
export const genesysFromId = (message: Pick<InboundMessage, 'platform' | 'userId'>): string => conversationKey(message.platform, message.userId);

/** ISO-8601 with milliseconds in UTC, as Genesys documents channel.time. */
function isoMillis(time: string): string {
  const at = Date.parse(time);
  if (!Number.isFinite(at)) throw new PermanentEventError('invalid-message', `message time "${time.slice(0, 40)}" is not an ISO-8601 date-time`);
  return new Date(at).toISOString();
}

export function toOpenMessage(message: InboundMessage, attachments: OpenMessageAttachment[]): OpenInboundNormalizedMessage {
  const text = message.text !== undefined && message.text !== '' ? message.text : undefined;
  if (text === undefined && attachments.length === 0) {
    throw new PermanentEventError('invalid-message', 'message has neither text nor an attachment: nothing for an agent to read');
  }
  const nickname = message.nickname?.trim();
  const body: OpenInboundNormalizedMessage = {
    channel: {
      from: { id: genesysFromId(message), idType: 'Opaque', ...(nickname ? { nickname } : {}) },
      time: isoMillis(message.time),
      messageId: message.messageId,
    },
    ...(text !== undefined ? { text } : {}),
    ...(attachments.length > 0 ? { content: attachments.map((attachment) => ({ attachment })) } : {}),
  };
  return body;
}

/** The request body, refused with `message-too-large` when Genesys would refuse it for size. */
export function serialiseOpenMessage(body: OpenInboundNormalizedMessage): string {
  const json = JSON.stringify(body);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > GENESYS_MAX_REQUEST_BYTES) {
    throw new PermanentEventError('message-too-large', `Open Messaging body is ${bytes} bytes; Genesys accepts at most ${GENESYS_MAX_REQUEST_BYTES} (request.bytes.max)`);
  }
  return json;
}
