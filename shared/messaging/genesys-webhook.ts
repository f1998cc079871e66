// Genesys Open Messaging's outbound webhook (an agent's reply, a typing event
// or a receipt, Genesys → gateway). Signed with `X-Hub-Signature-256:
// sha256=<BASE64 of HMAC-SHA256(raw body, outboundNotificationWebhookSignatureSecretToken)>`:
// base64, unlike WhatsApp's hex under the same header name.
//
// Genesys retries a timeout, 429 or 5xx up to 5 times, 5 s apart, and fails
// the message on a 4xx: so the ingest side only verifies, checks the two
// fields it needs to queue the body, and answers 200. The raw body goes on the
// outbound FIFO as sent (the dispatcher, another issue, parses the rest).
import { outboundDeduplicationId, outboundGroupId } from './contract';
import { type Verification, type WebhookHeaders, isObject, nonEmptyString, verifyHmacHeader } from './platforms/adapter';

export const GENESYS_SIGNATURE_HEADER = 'X-Hub-Signature-256';

export function verifyGenesysSignature(rawBody: Buffer, headers: WebhookHeaders, genesysWebhookSecret: string): Verification {
  return verifyHmacHeader(rawBody, headers, {
    header: GENESYS_SIGNATURE_HEADER,
    secret: genesysWebhookSecret,
    secretName: 'genesysWebhookSecret',
    encoding: 'base64',
    prefix: 'sha256=',
  });
}

export interface GenesysOutboundEnvelope {
  /** Genesys message id: the deduplication key of Genesys's retries. */
  id: string;
  /** The end user (what the gateway sent as channel.from.id): one message group per user. */
  toId: string;
  groupId: string;
  deduplicationId: string;
}

export type GenesysOutboundParse = { ok: true; envelope: GenesysOutboundEnvelope } | { ok: false; reason: string };

/** The minimal reading of a parsed outbound webhook; a missing field is named (→ 400). */
export function readGenesysOutbound(body: unknown): GenesysOutboundParse {
  if (!isObject(body)) return { ok: false, reason: 'body is not a JSON object' };
  const id = nonEmptyString(body.id);
  if (!id) return { ok: false, reason: 'missing field id' };
  const channel = isObject(body.channel) ? body.channel : undefined;
  const to = channel && isObject(channel.to) ? channel.to : undefined;
  const toId = nonEmptyString(to?.id);
  if (!toId) return { ok: false, reason: 'missing field channel.to.id' };
  return { ok: true, envelope: { id, toId, groupId: outboundGroupId(toId), deduplicationId: outboundDeduplicationId(id) } };
}
