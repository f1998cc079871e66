// What every platform send adapter offers the dispatcher: the HTTP requests
// that deliver one Genesys outbound message (a message may take several
// requests: Telegram, Viber and WhatsApp send one item per call), and what the
// platform's answer means for the message and for its Genesys receipt.
import type { Platform, PlatformCredentials } from '../contract';
import type { OutboundAttachment } from './genesys-outbound';

/** Reason codes of an Open Messaging receipt (OpenInboundNormalizedReceipt reasons[].code). */
export type ReceiptReasonCode =
  | 'RateLimited'
  | 'InvalidDestination'
  | 'MediaTypeNotAllowed'
  | 'InvalidMediaContentLength'
  | 'RecipientOptedOut'
  | 'GeneralError';

export type SendOutcome =
  | { kind: 'delivered'; platformMessageId?: string }
  /** The platform refused for good: a Failed receipt with this reason, no retry. */
  | { kind: 'failed'; code: ReceiptReasonCode; message: string }
  /**
   * Worth trying again later (429, 5xx, no answer, credentials being
   * rotated): the record is held by visibility; if it never succeeds, the
   * Failed receipt carries `code`.
   */
  | { kind: 'retry'; status: number | undefined; retryAfterSeconds?: number; rateLimited: boolean; code: ReceiptReasonCode; message: string };

/** An attachment re-hosted in the attachment bucket: the platform fetches `url` (pre-signed GET). */
export interface HostedAttachment extends Pick<OutboundAttachment, 'mediaType' | 'filename'> {
  url: string;
  mime: string;
  sizeBytes: number;
}

/** One item to deliver, in the order the agent sent it: the text first, then each attachment. */
export type OutboundPart = { kind: 'text'; text: string } | { kind: 'media'; attachment: HostedAttachment };

export interface PlatformRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The parts this request delivers (LINE sends up to five in one push). */
  parts: number[];
}

export interface SendContext {
  /** Genesys message id: the source of LINE's X-Line-Retry-Key. */
  genesysMessageId: string;
  userId: string;
  apiUrl: string;
  credentials: PlatformCredentials;
  /** Viber needs a sender name on every message. */
  viberSenderName: string;
}

export interface PlatformSender {
  platform: Platform;
  requests(parts: OutboundPart[], context: SendContext): PlatformRequest[];
  /** The platform's typing indicator, or undefined where it has none (acknowledged, nothing sent). */
  typing(context: SendContext, durationMs: number | undefined): PlatformRequest | undefined;
  classify(status: number, headers: { get(name: string): string | null }, bodyText: string, now: number): SendOutcome;
}

export const retry = (status: number | undefined, message: string, extra: { retryAfterSeconds?: number | undefined; rateLimited?: boolean } = {}): SendOutcome => ({
  kind: 'retry',
  status,
  rateLimited: extra.rateLimited ?? false,
  code: extra.rateLimited ? 'RateLimited' : 'GeneralError',
  message,
  ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
});

export const failed = (code: ReceiptReasonCode, message: string): SendOutcome => ({ kind: 'failed', code, message: message.slice(0, 300) });

export function parseJson(bodyText: string): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(bodyText);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const jsonHeaders = (extra: Record<string, string>): Record<string, string> => ({ 'content-type': 'application/json', accept: 'application/json', ...extra });

/** A link line for media a platform cannot show natively (e.g. a PDF on LINE). */
export const attachmentLinkText = (attachment: HostedAttachment): string => `${attachment.filename ?? attachment.mediaType}: ${attachment.url}`;
