// Puts every message of one webhook on a FIFO queue, or reports that it could
// not (→ 503, so the platform resends the whole webhook; what did go in
// deduplicates on the resend: FIFO within 5 minutes, the forwarder's durable
// idempotency record after that).
//
// Order. SendMessageBatch reports each entry on its own: with two entries of
// one conversation in one call, the first could fail while the second goes
// in, and retrying the first would put it behind the second. So a batch holds
// at most one entry per message group, batches go one after another, an entry
// is only sent once its predecessor in the group is in the queue, and after a
// batch that still has failures nothing further is sent. A group's messages
// therefore enter the queue in webhook order, whatever fails.
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';

export interface FifoEntry {
  body: string;
  groupId: string;
  deduplicationId: string;
}

/** SendMessageBatch takes 10 entries; 256 KiB is the classic payload limit of a message and of a batch (queues made before SQS's 1 MiB raise keep it). */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;

export class EntryTooLargeError extends Error {
  override readonly name = 'EntryTooLargeError';
}

export class EnqueueFailedError extends Error {
  override readonly name = 'EnqueueFailedError';
  constructor(
    message: string,
    readonly sent: number,
    readonly unsent: number,
    /** SQS error codes seen (or the client error's name), for the log line. */
    readonly codes: string[],
  ) {
    super(message);
  }
}

/**
 * SQS accepts #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. JSON.stringify
 * already escapes control characters and lone surrogates; U+FFFE and U+FFFF
 * it leaves raw, so they are escaped here (an identical JSON value).
 */
export const sqsSafeJson = (json: string): string => json.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

const bytesOf = (entry: FifoEntry): number => Buffer.byteLength(entry.body, 'utf8');

/** Batches of ≤ 10 entries and ≤ 256 KiB, one entry per group per batch, each group's entries in increasing batch order. */
export function planBatches(entries: readonly FifoEntry[]): FifoEntry[][] {
  const batches: Array<{ entries: FifoEntry[]; bytes: number }> = [];
  const lastBatchOfGroup = new Map<string, number>();
  for (const entry of entries) {
    const bytes = bytesOf(entry);
    if (bytes > MAX_BATCH_BYTES) {
      throw new EntryTooLargeError(`a message of ${bytes} bytes exceeds the queue's ${MAX_BATCH_BYTES}-byte limit`);
    }
    let index = (lastBatchOfGroup.get(entry.groupId) ?? -1) + 1;
    while (index < batches.length && (batches[index]!.entries.length >= MAX_BATCH_ENTRIES || batches[index]!.bytes + bytes > MAX_BATCH_BYTES)) index++;
    if (index === batches.length) batches.push({ entries: [], bytes: 0 });
    batches[index]!.entries.push(entry);
    batches[index]!.bytes += bytes;
    lastBatchOfGroup.set(entry.groupId, index);
  }
  return batches.map((b) => b.entries);
}

export interface EnqueueOptions {
  /** Sends of one batch before giving up (the first included). */
  attempts?: number;
  /** Upper bound of the full-jitter pause before the n-th resend: base * 2^(n-1). */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Time left to answer (the invocation's remaining time). A resend starts
   * only if at least `minRemainingMsToRetry` is left, so a slow queue ends in
   * our own 503, not in a function timeout (which API Gateway turns into a 500).
   */
  remainingMs?: () => number;
  minRemainingMsToRetry?: number;
}

export const DEFAULT_ENQUEUE_ATTEMPTS = 3;

/** Sends all entries, in order per group; throws EnqueueFailedError when some could not be sent after the retries. */
export async function enqueueAll(sqs: SQSClient, queueUrl: string, entries: readonly FifoEntry[], options: EnqueueOptions = {}): Promise<void> {
  const attempts = options.attempts ?? DEFAULT_ENQUEUE_ATTEMPTS;
  const base = options.retryBaseMs ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  let sent = 0;
  for (const batch of planBatches(entries)) {
    let pending: SendMessageBatchRequestEntry[] = batch.map((e, i) => ({
      Id: String(i),
      MessageBody: sqsSafeJson(e.body),
      MessageGroupId: e.groupId,
      MessageDeduplicationId: e.deduplicationId,
    }));
    const codes = new Set<string>();
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        if (options.remainingMs && options.remainingMs() < (options.minRemainingMsToRetry ?? 0)) {
          codes.add('NoTimeLeft');
          break;
        }
        await sleep(Math.round(random() * base * 2 ** (attempt - 2)));
      }
      try {
        const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
        const failed = new Set((answer.Failed ?? []).map((f) => f.Id));
        for (const f of answer.Failed ?? []) codes.add(f.Code ?? 'unknown');
        sent += pending.length - failed.size;
        pending = pending.filter((e) => failed.has(e.Id));
      } catch (error) {
        codes.add((error as Error).name || 'Error');
      }
    }
    if (pending.length > 0) {
      throw new EnqueueFailedError(`${pending.length} of ${entries.length} messages could not be queued after ${attempts} attempts`, sent, entries.length - sent, [...codes]);
    }
  }
}
