// WhatsApp Cloud API: POST {WHATSAPP_API_URL}/{phone-number-id}/messages with
// the access token; one call per item (text, or image / video / audio /
// document by `link`). Success: {messaging_product, contacts, messages:[{id}]};
// errors: {error:{message, type, code, error_subcode, error_data, fbtrace_id}}
// where `code` decides, whatever the HTTP status. The Cloud API's typing
// indicator needs the id of a customer message to mark read, which an agent's
// typing event does not carry: acknowledged, nothing sent.
import { failed, jsonHeaders, parseJson, retry, type OutboundPart, type PlatformSender } from './send-types';

/** Cloud API error codes the dispatcher acts on (Meta "Error codes" reference). */
export const WHATSAPP_ERRORS = {
  /** Cloud API throughput reached (the number's messages-per-second). */
  throughput: 130429,
  /** Too many messages to one user in a short time. */
  pairRate: 131056,
  spamRate: 131048,
  appRate: 4,
  accountRate: 80007,
  undeliverable: 131026,
  recipientNotAllowed: 131030,
  stoppedMarketing: 131050,
  unsupportedType: 131051,
  mediaDownload: 131052,
  mediaUpload: 131053,
  token: 190,
  unknown: 131000,
  serviceUnavailable: 131016,
} as const;

const RATE = new Set<number>([WHATSAPP_ERRORS.throughput, WHATSAPP_ERRORS.pairRate, WHATSAPP_ERRORS.spamRate, WHATSAPP_ERRORS.appRate, WHATSAPP_ERRORS.accountRate]);
const TRANSIENT = new Set<number>([WHATSAPP_ERRORS.unknown, WHATSAPP_ERRORS.serviceUnavailable, 1, 2]);

function whatsappMessage(part: OutboundPart): Record<string, unknown> {
  if (part.kind === 'text') return { type: 'text', text: { body: part.text, preview_url: false } };
  const { attachment } = part;
  switch (attachment.mediaType) {
    case 'Image':
      return { type: 'image', image: { link: attachment.url } };
    case 'Video':
      return { type: 'video', video: { link: attachment.url } };
    case 'Audio':
      return { type: 'audio', audio: { link: attachment.url } };
    default:
      return { type: 'document', document: { link: attachment.url, ...(attachment.filename ? { filename: attachment.filename } : {}) } };
  }
}

export const whatsappSender: PlatformSender = {
  platform: 'whatsapp',
  requests(parts, context) {
    return parts.map((part, index) => ({
      url: `${context.apiUrl}/${encodeURIComponent(context.credentials.whatsappPhoneNumberId)}/messages`,
      headers: jsonHeaders({ authorization: `Bearer ${context.credentials.whatsappAccessToken}` }),
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: context.userId, ...whatsappMessage(part) }),
      parts: [index],
    }));
  },
  typing: () => undefined,
  classify(status, _headers, bodyText) {
    const body = parseJson(bodyText);
    if (status >= 200 && status < 300) {
      const sent = Array.isArray(body?.messages) ? (body.messages[0] as { id?: unknown } | undefined) : undefined;
      return { kind: 'delivered', ...(typeof sent?.id === 'string' ? { platformMessageId: sent.id } : {}) };
    }
    const error = (body?.error ?? {}) as { code?: unknown; message?: unknown; error_data?: { details?: unknown } };
    const code = typeof error.code === 'number' ? error.code : undefined;
    const details = typeof error.error_data?.details === 'string' ? ` (${error.error_data.details})` : '';
    const message = `WhatsApp ${code ?? `HTTP ${status}`}: ${typeof error.message === 'string' ? error.message : ''}${details}`;
    if ((code !== undefined && RATE.has(code)) || status === 429) return retry(status, message, { rateLimited: true });
    if (code === WHATSAPP_ERRORS.token || status === 401) return retry(status, 'WhatsApp: access token refused (rotated?)');
    if ((code !== undefined && TRANSIENT.has(code)) || status >= 500) return retry(status, message);
    switch (code) {
      case WHATSAPP_ERRORS.undeliverable:
      case WHATSAPP_ERRORS.recipientNotAllowed:
        return failed('InvalidDestination', message);
      case WHATSAPP_ERRORS.stoppedMarketing:
        return failed('RecipientOptedOut', message);
      case WHATSAPP_ERRORS.unsupportedType:
      case WHATSAPP_ERRORS.mediaDownload:
      case WHATSAPP_ERRORS.mediaUpload:
        return failed('MediaTypeNotAllowed', message);
      default:
        return failed('GeneralError', message);
    }
  },
};
