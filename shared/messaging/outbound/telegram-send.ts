// Telegram Bot API: POST {TELEGRAM_API_URL}/bot{token}/{method} with a JSON
// body; every answer is {ok, result} or {ok:false, error_code, description,
// parameters?:{retry_after}}. One call per item: sendMessage for the text,
// sendPhoto / sendVideo / sendAudio / sendDocument for each attachment by URL
// (Telegram fetches it: photos up to 5 MB, other files up to 20 MB; a larger
// photo goes as a document). Typing is sendChatAction {action:"typing"}.
//
// The Bot API has no idempotency key: a message of several items that fails
// half-way is resumed from the first undelivered item (the dispatcher's part
// ledger), so a retry does not repeat what the customer already has.
import { failed, jsonHeaders, parseJson, retry, type OutboundPart, type PlatformSender, type SendContext } from './send-types';

export const TELEGRAM_PHOTO_URL_MAX_BYTES = 5 * 1024 * 1024;
export const TELEGRAM_FILE_URL_MAX_BYTES = 20 * 1024 * 1024;

const methodUrl = (context: SendContext, method: string) => `${context.apiUrl}/bot${context.credentials.telegramBotToken}/${method}`;

function call(part: OutboundPart): { method: string; payload: Record<string, unknown> } {
  if (part.kind === 'text') return { method: 'sendMessage', payload: { text: part.text } };
  const { attachment } = part;
  if (attachment.mediaType === 'Image' && attachment.sizeBytes <= TELEGRAM_PHOTO_URL_MAX_BYTES) return { method: 'sendPhoto', payload: { photo: attachment.url } };
  if (attachment.mediaType === 'Video') return { method: 'sendVideo', payload: { video: attachment.url } };
  if (attachment.mediaType === 'Audio') return { method: 'sendAudio', payload: { audio: attachment.url } };
  return { method: 'sendDocument', payload: { document: attachment.url } };
}

export const telegramSender: PlatformSender = {
  platform: 'telegram',
  requests(parts, context) {
    return parts.map((part, index) => {
      const { method, payload } = call(part);
      return { url: methodUrl(context, method), headers: jsonHeaders({}), body: JSON.stringify({ chat_id: context.userId, ...payload }), parts: [index] };
    });
  },
  typing(context) {
    return { url: methodUrl(context, 'sendChatAction'), headers: jsonHeaders({}), body: JSON.stringify({ chat_id: context.userId, action: 'typing' }), parts: [] };
  },
  classify(status, _headers, bodyText) {
    const body = parseJson(bodyText);
    if (status >= 200 && status < 300 && body?.ok === true) {
      const result = body.result as { message_id?: unknown } | undefined;
      return { kind: 'delivered', ...(typeof result?.message_id === 'number' ? { platformMessageId: String(result.message_id) } : {}) };
    }
    const description = typeof body?.description === 'string' ? body.description : `HTTP ${status}`;
    const code = typeof body?.error_code === 'number' ? body.error_code : status;
    const message = `Telegram ${code}: ${description}`;
    if (code === 429) {
      const parameters = body?.parameters as { retry_after?: unknown } | undefined;
      return retry(429, message, { rateLimited: true, ...(typeof parameters?.retry_after === 'number' ? { retryAfterSeconds: parameters.retry_after } : {}) });
    }
    if (code === 401) return retry(401, 'Telegram: bot token refused (rotated?)');
    if (code >= 500 || status >= 500) return retry(status, message);
    // 403: "bot was blocked by the user", "user is deactivated", "bot can't initiate conversation with a user".
    if (code === 403) return failed('RecipientOptedOut', message);
    if (/chat not found|PEER_ID_INVALID|user not found|chat_id is empty/i.test(description)) return failed('InvalidDestination', message);
    if (/too big|too large/i.test(description)) return failed('InvalidMediaContentLength', message);
    if (/HTTP URL|web page content|IMAGE_PROCESS_FAILED|PHOTO_|file identifier|wrong file|failed to get/i.test(description)) return failed('MediaTypeNotAllowed', message);
    return failed('GeneralError', message);
  },
};
