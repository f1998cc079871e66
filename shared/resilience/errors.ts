// Two kinds of failure, because they need opposite handling (design §4):
// a permanent one will fail the same way on every retry, so the record goes to
// the DLQ at once with its reason; anything else is presumed transient and the
// record is retried by SQS.

/** Reasons a record is dead-lettered without retries. Stable strings: the DLQ attribute `errorClass`, the redrive filter and the reports use them. */
export const PERMANENT_REASONS = [
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
