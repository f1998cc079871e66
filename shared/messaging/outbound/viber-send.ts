// Viber REST Bot API: POST {VIBER_API_URL}/pa/send_message with
// X-Viber-Auth-Token. Viber answers HTTP 200 to almost everything; the
// outcome is the body's `status` (0 = ok). One call per item: text, picture
// (≤ 1 MB JPEG/PNG/GIF), video and file (need `size`; file also `file_name`).
// Every message names the sender (sender.name ≤ 28 characters). Viber has no
// typing indicator for bots: typing events are acknowledged, nothing is sent.
//
// Status codes (Viber REST API "Error codes"): 1 invalidUrl, 2
// invalidAuthToken, 3 badData, 4 missingData, 5 receiverNotRegistered, 6
// receiverNotSubscribed, 7 publicAccountBlocked, 8 publicAccountNotFound, 9
// publicAccountSuspended, 10 webhookNotSet, 11 receiverNoSuitableDevice, 12
// tooManyRequests, 13 apiVersionNotSupported, 14 incompatibleWithVersion.
import { topLevelMemberText } from '../platforms/raw-json';
import { failed, jsonHeaders, parseJson, retry, type OutboundPart, type PlatformSender } from './send-types';

export const VIBER_STATUS = { ok: 0, invalidAuthToken: 2, receiverNotRegistered: 5, receiverNotSubscribed: 6, receiverNoSuitableDevice: 11, tooManyRequests: 12 } as const;
export const VIBER_PICTURE_MAX_BYTES = 1024 * 1024;
const VIBER_SENDER_NAME_MAX = 28;

function viberMessage(part: OutboundPart): Record<string, unknown> {
  if (part.kind === 'text') return { type: 'text', text: part.text };
  const { attachment } = part;
  if (attachment.mediaType === 'Image' && attachment.sizeBytes <= VIBER_PICTURE_MAX_BYTES) return { type: 'picture', text: '', media: attachment.url };
  if (attachment.mediaType === 'Video') return { type: 'video', media: attachment.url, size: attachment.sizeBytes };
  return { type: 'file', media: attachment.url, size: attachment.sizeBytes, file_name: attachment.filename ?? `${attachment.mediaType.toLowerCase()}.${attachment.mime.split('/')[1] ?? 'bin'}` };
}

export const viberSender: PlatformSender = {
  platform: 'viber',
  requests(parts, context) {
    return parts.map((part, index) => ({
      url: `${context.apiUrl}/pa/send_message`,
      headers: jsonHeaders({ 'x-viber-auth-token': context.credentials.viberAuthToken }),
      body: JSON.stringify({ receiver: context.userId, min_api_version: 1, sender: { name: context.viberSenderName.slice(0, VIBER_SENDER_NAME_MAX) }, ...viberMessage(part) }),
      parts: [index],
    }));
  },
  typing: () => undefined,
  classify(status, _headers, bodyText) {
    if (status === 429) return retry(429, 'Viber HTTP 429', { rateLimited: true });
    if (status >= 500 || status === 408) return retry(status, `Viber HTTP ${status}`);
    const body = parseJson(bodyText);
    if (status !== 200 || typeof body?.status !== 'number') return failed('GeneralError', `Viber HTTP ${status}: ${bodyText.slice(0, 200)}`);
    const message = `Viber status ${body.status}: ${typeof body.status_message === 'string' ? body.status_message : ''}`;
    switch (body.status) {
      case VIBER_STATUS.ok: {
        // message_token is a 64-bit integer: read as the text it was sent as.
        const token = topLevelMemberText(bodyText, 'message_token');
        return { kind: 'delivered', ...(token ? { platformMessageId: token } : {}) };
      }
      case VIBER_STATUS.tooManyRequests:
        return retry(200, message, { rateLimited: true });
      case VIBER_STATUS.invalidAuthToken:
        return retry(200, 'Viber: auth token refused (rotated?)');
      case VIBER_STATUS.receiverNotSubscribed:
        return failed('RecipientOptedOut', message);
      case VIBER_STATUS.receiverNotRegistered:
      case VIBER_STATUS.receiverNoSuitableDevice:
        return failed('InvalidDestination', message);
      default:
        return failed('GeneralError', message);
    }
  },
};
