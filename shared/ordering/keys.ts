// Names and identities the ordering buffer shares between the consumer (which
// buffers and triggers) and the release step (which reads, sends and
// advances): the buffer item's keys, SQS FIFO group and deduplication ids.
import { createHash } from 'node:crypto';

/**
 * Sort key of the entity's watermark item in the buffer table. Order keys
 * start with a digit (a zero-padded epoch, shared/genesys/order-key.ts) and
 * '#' sorts before every digit, so one Query reads the watermark first and
 * then the buffered events in order-key order.
 */
export const WATERMARK_SORT_KEY = '#watermark';

/**
 * How long a buffered event and a watermark live (DynamoDB TTL) when nothing
 * else removes them: longer than the release DLQ keeps a trigger (14 days), so
 * an event whose trigger was dead-lettered can still be released by a redrive,
 * and longer than Genesys retries (4 days), so a retried event still meets its
 * entity's watermark and is recognised as late.
 */
export const BUFFER_TTL_SECONDS = 15 * 24 * 3600;

// SQS FIFO: MessageGroupId and MessageDeduplicationId are at most 128
// characters of alphanumerics and punctuation (ASCII 33-126).
const SQS_ID = /^[\x21-\x7e]{1,128}$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The entity itself when SQS accepts it as a group id (readable in the console), else a digest of it. */
export const groupIdFor = (entity: string): string => (SQS_ID.test(entity) ? entity : `sha256:${sha256(entity)}`);

/**
 * Deduplication id of a release trigger: the entity and a time bucket of half
 * the hold window. SQS FIFO accepts and silently drops a message whose
 * deduplication id it saw in the last 5 minutes, so triggers for one entity
 * sent within the same bucket coalesce into one release.
 *
 * Why this never loses a release: a trigger is sent after its event is in the
 * buffer. If SQS drops it, an earlier trigger with the same id was sent less
 * than a bucket (hold / 2) earlier; that one becomes visible a full hold after
 * it was sent, so it is still pending, and it is read after the dropped
 * trigger's event was written. The release it causes either releases that
 * event or, when the event's hold has not passed yet, sends a new trigger
 * (re-arm). Half the hold leaves the other half for clock skew between Lambda
 * environments. With a hold of 0 there is no delay to coalesce within, so
 * every trigger is kept (a random id).
 */
export function triggerDeduplicationId(entity: string, nowMs: number, holdSeconds: number, random: () => string): string {
  if (holdSeconds <= 0) return `${sha256(entity).slice(0, 64)}-${random()}`;
  const bucketMs = (holdSeconds * 1000) / 2;
  return `${sha256(entity).slice(0, 64)}-${Math.floor(nowMs / bucketMs)}`;
}
