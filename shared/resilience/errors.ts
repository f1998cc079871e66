// Two kinds of failure, because they need opposite handling (design §4):
// a permanent one will fail the same way on every retry, so the record goes to
// the DLQ at once with its reason; anything else is presumed transient and the
// record is retried by SQS.

/** Reasons an event-path record is dead-lettered without retries. */
export const EVENT_PERMANENT_REASONS = [
  'oversize',
  'invalid-utf8',
  'invalid-json',
  'duplicate-keys',
  'not-an-event',
  'missing-detail',
  'schema-violation',
  'too-deep',
  'invalid-event-time',
  'event-time-in-future',
] as const;

/**
 * Reasons a messaging record (inbound FIFO queue, maintenance queue) is
 * dead-lettered without retries: the message itself, its attachment or
 * Genesys's answer says a retry would fail the same way.
 */
export const MESSAGING_PERMANENT_REASONS = [
  /** The queue body is not an InboundMessage (contract.ts). */
  'invalid-message',
  /** The serialised Open Messaging body passes request.bytes.max (512,000 bytes). */
  'message-too-large',
  /** An attachment passes MAX_ATTACHMENT_BYTES (Genesys accepts 25 MB). */
  'attachment-too-large',
  /** The platform says the media does not exist or may not be fetched (4xx other than 408/429). */
  'attachment-unavailable',
  /** Genesys answered 400: the body is not what the API accepts. */
  'genesys-rejected',
  /** Genesys answered 404: no such integration (fix GENESYS_INTEGRATION_ID, then redrive). */
  'genesys-not-found',
  /** Genesys answered 413. */
  'genesys-too-large',
  /** Outbound: the platform kept answering 429/5xx (or not at all) until the last receive; a Failed receipt was posted. */
  'platform-retries-exhausted',
] as const;

/** Reasons a record is dead-lettered without retries. Stable strings: the DLQ attribute `errorClass`, the redrive filter and the reports use them. */
export const PERMANENT_REASONS = [...EVENT_PERMANENT_REASONS, ...MESSAGING_PERMANENT_REASONS] as const;

export type PermanentReason = (typeof PERMANENT_REASONS)[number];

export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
  constructor(
    readonly reason: PermanentReason,
    message: string,
  ) {
    super(message);
  }
}

export const isPermanentEventError = (error: unknown): error is PermanentEventError =>
  error instanceof PermanentEventError;
