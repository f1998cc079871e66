// The platforms' answers to a send, in their documented shapes: the platform
// double answers with these, and the dispatcher's unit tests classify them.
// { status, headers, body } where body is the exact JSON text sent.
import { randomBytes, randomUUID } from 'node:crypto';

export interface PlatformAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): PlatformAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

export const lineAnswers = {
  sent: (count = 1) => json(200, { sentMessages: Array.from({ length: count }, () => ({ id: digits(18), quoteToken: randomBytes(24).toString('base64url') })) }, { 'x-line-request-id': randomUUID() }),
  /** A repeated X-Line-Retry-Key: LINE already accepted this push. */
  retryKeyAccepted: (acceptedRequestId: string) =>
    json(409, { message: 'The retry key is already accepted' }, { 'x-line-request-id': randomUUID(), 'x-line-accepted-request-id': acceptedRequestId }),
  invalidTo: () => json(400, { message: 'The request body has 1 error(s)', details: [{ message: 'Invalid user ID', property: 'to' }] }),
  invalidImageUrl: () =>
    json(400, { message: 'The request body has 1 error(s)', details: [{ message: 'must be valid HTTPS URL', property: 'messages[0].originalContentUrl' }] }),
  tooManyRequests: () => json(429, { message: 'The API rate limit has been exceeded. Try again later.' }),
  monthlyLimit: () => json(429, { message: 'You have reached your monthly limit.' }),
  unauthorized: () => json(401, { message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' }),
  serverError: () => json(500, { message: 'An error occurred in the server.' }),
  loadingStarted: () => json(202, {}),
};

export const telegramAnswers = {
  sent: (chatId: string, messageId: number, extra: Record<string, unknown> = {}) =>
    json(200, { ok: true, result: { message_id: messageId, from: { id: 7000000001, is_bot: true, first_name: 'Gateway' }, chat: { id: Number(chatId), type: 'private' }, date: Math.floor(Date.now() / 1000), ...extra } }),
  chatAction: () => json(200, { ok: true, result: true }),
  blocked: () => json(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }),
  chatNotFound: () => json(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }),
  badMediaUrl: () => json(400, { ok: false, error_code: 400, description: 'Bad Request: wrong file identifier/HTTP URL specified' }),
  tooManyRequests: (retryAfterSeconds: number) =>
    json(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfterSeconds}`, parameters: { retry_after: retryAfterSeconds } }),
  unauthorized: () => json(401, { ok: false, error_code: 401, description: 'Unauthorized' }),
  badRequest: (description: string) => json(400, { ok: false, error_code: 400, description: `Bad Request: ${description}` }),
};

/** Viber answers HTTP 200 with a status; message_token is a 64-bit integer written as a bare number. */
const viber = (status: number, statusMessage: string, extra = ''): PlatformAnswer => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: `{"status":${status},"status_message":${JSON.stringify(statusMessage)}${extra}}`,
});
export const viberAnswers = {
  sent: (messageToken: string) => viber(0, 'ok', `,"message_token":${messageToken},"chat_hostname":"SN-CHAT-05_"`),
  invalidAuthToken: () => viber(2, 'invalidAuthToken'),
  badData: (why: string) => viber(3, `badData: ${why}`),
  receiverNotRegistered: () => viber(5, 'receiverNotRegistered'),
  receiverNotSubscribed: () => viber(6, 'receiverNotSubscribed'),
  tooManyRequests: () => viber(12, 'tooManyRequests'),
};

const graphError = (status: number, code: number, message: string, details?: string) =>
  json(status, { error: { message, type: 'OAuthException', code, ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}), fbtrace_id: randomBytes(8).toString('base64url') } });
export const whatsappAnswers = {
  sent: (to: string, wamid: string) => json(200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: wamid }] }),
  throughput: () => graphError(400, 130429, '(#130429) Rate limit hit', 'Cloud API message throughput has been reached.'),
  undeliverable: () => graphError(400, 131026, 'Message undeliverable', 'Message Undeliverable.'),
  stoppedMarketing: () => graphError(400, 131050, 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.'),
  mediaDownload: () => graphError(400, 131052, 'Media download error', 'Downloading the media from the sender failed.'),
  unauthorized: () => graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token'),
  serviceUnavailable: () => graphError(503, 131016, 'Service unavailable'),
};
