// The Genesys outbound webhook body the ingest function queued raw, read into
// what the dispatcher acts on. Genesys sends four types: Text (an agent's or
// bot's reply, with attachments in content[].attachment), Event (typing),
// Receipt (Genesys reporting its own failure) and Structured (quick replies,
// cards) — plus any type added later. Only Text and Event reach the customer;
// everything else is acknowledged and logged, never refused: a refused
// webhook fails the whole chat on the Genesys side.
//
// channel.to.id is the from.id the forwarder sent: `<platform>:<userId>`
// (genesysFromId in genesys/open-message.ts). The user id may itself contain
// ':' (it never does today, but it is the platform's text), so only the first
// ':' separates.
import { PermanentEventError } from '../../resilience/errors';
import { isPlatform, type MediaType, type Platform } from '../contract';

export interface Recipient {
  platform: Platform;
  userId: string;
}

export interface OutboundAttachment {
  mediaType: MediaType | 'Link';
  /** Genesys download URL (lifetime unconfirmed: fetched when the message is dispatched). */
  url: string;
  mime?: string;
  filename?: string;
  sizeBytes?: number;
  id?: string;
}

interface Common {
  /** Genesys message id: the idempotency key and the id the receipt answers. */
  id: string;
  /** channel.to as Genesys sent it; the receipt echoes it back. */
  to: { id: string; idType: string };
  recipient: Recipient;
  conversationId?: string;
}

export type OutboundMessage =
  | (Common & { kind: 'text'; text?: string; attachments: OutboundAttachment[] })
  | (Common & { kind: 'typing'; durationMs?: number })
  | (Common & { kind: 'receipt'; status?: string; reasons: Array<{ code?: string; message?: string }> })
  | (Common & { kind: 'unsupported'; type: string });

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `<platform>:<userId>` → the platform user; anything else is not a conversation this gateway started. */
export function parseRecipient(toId: string): Recipient {
  const colon = toId.indexOf(':');
  const platform = colon > 0 ? toId.slice(0, colon) : '';
  const userId = colon > 0 ? toId.slice(colon + 1) : '';
  if (!isPlatform(platform) || userId === '') {
    throw new PermanentEventError('invalid-message', `channel.to.id "${toId.slice(0, 80)}" is not <platform>:<userId> of line, telegram, viber or whatsapp`);
  }
  return { platform, userId };
}

const MEDIA_TYPES = new Set(['Image', 'Video', 'Audio', 'File', 'Link']);

function readAttachments(content: unknown): OutboundAttachment[] {
  if (!Array.isArray(content)) return [];
  const attachments: OutboundAttachment[] = [];
  for (const item of content) {
    const attachment = isObject(item) && isObject(item.attachment) ? item.attachment : undefined;
    if (!attachment) continue;
    const url = text(attachment.url);
    if (!url) throw new PermanentEventError('invalid-message', 'content[].attachment has no url');
    const mediaType = text(attachment.mediaType) ?? 'File';
    attachments.push({
      mediaType: (MEDIA_TYPES.has(mediaType) ? mediaType : 'File') as OutboundAttachment['mediaType'],
      url,
      ...(text(attachment.mime) ? { mime: text(attachment.mime)! } : {}),
      ...(text(attachment.filename) ? { filename: text(attachment.filename)! } : {}),
      ...(typeof attachment.contentSizeBytes === 'number' ? { sizeBytes: attachment.contentSizeBytes } : {}),
      ...(text(attachment.id) ? { id: text(attachment.id)! } : {}),
    });
  }
  return attachments;
}

/** Reads a queued outbound webhook; a body the ingest function could not have queued is permanent (DLQ). */
export function parseOutboundMessage(raw: string): OutboundMessage {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new PermanentEventError('invalid-message', 'outbound webhook body is not JSON');
  }
  if (!isObject(body)) throw new PermanentEventError('invalid-message', 'outbound webhook body is not a JSON object');
  const id = text(body.id);
  const channel = isObject(body.channel) ? body.channel : undefined;
  const to = channel && isObject(channel.to) ? channel.to : undefined;
  const toId = text(to?.id);
  if (!id || !toId) throw new PermanentEventError('invalid-message', 'outbound webhook lacks id or channel.to.id');
  const common: Common = {
    id,
    to: { id: toId, idType: text(to?.idType) ?? 'Opaque' },
    recipient: parseRecipient(toId),
    ...(text(body.conversationId) ? { conversationId: text(body.conversationId)! } : {}),
  };
  const type = text(body.type) ?? '';
  switch (type) {
    case 'Text': {
      const attachments = readAttachments(body.content);
      const messageText = text(body.text);
      if (messageText === undefined && attachments.length === 0) return { ...common, kind: 'unsupported', type: 'Text without text or attachment' };
      return { ...common, kind: 'text', ...(messageText !== undefined ? { text: messageText } : {}), attachments };
    }
    case 'Event': {
      const events = Array.isArray(body.events) ? body.events.filter(isObject) : [];
      const typing = events.find((e) => e.eventType === 'Typing');
      if (!typing) return { ...common, kind: 'unsupported', type: `Event (${events.map((e) => String(e.eventType)).join(',') || 'none'})` };
      const duration = isObject(typing.typing) && typeof typing.typing.duration === 'number' ? typing.typing.duration : undefined;
      return { ...common, kind: 'typing', ...(duration !== undefined ? { durationMs: duration } : {}) };
    }
    case 'Receipt':
      return {
        ...common,
        kind: 'receipt',
        ...(text(body.status) ? { status: text(body.status)! } : {}),
        reasons: Array.isArray(body.reasons)
          ? body.reasons.filter(isObject).map((r) => ({ ...(text(r.code) ? { code: text(r.code)! } : {}), ...(text(r.message) ? { message: text(r.message)! } : {}) }))
          : [],
      };
    default:
      return { ...common, kind: 'unsupported', type: type || '(none)' };
  }
}
