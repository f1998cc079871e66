// After a FIFO batch, the failed records of each conversation go back to the
// queue with a visibility hold: a record's own hint (Retry-After, an open
// breaker), or the hint of the record its conversation is waiting behind
// (SqsFifoPartialProcessorAsync with skipGroupOnError fails the rest of a
// failed group), else full jitter. Shared by the forwarder and the dispatcher.
import { SqsFifoMessageGroupShortCircuitError, SqsFifoShortCircuitError } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { backoffFailedRecords, visibilityDelays } from '../consumer/retry-visibility';
import type { BackoffPolicy } from '../resilience/backoff';
import type { RetryHint } from '../resilience/retry-hint';

export interface FifoHoldInput {
  failed: SQSRecord[];
  /** Hints by message id, set by the record that failed. */
  holds: Map<string, RetryHint>;
  /** Hints by message group, for the records skipped behind a failed one. */
  groupHolds: Map<string, RetryHint>;
  /** processor.errors: short-circuit errors are the skipped records, not causes. */
  errors: unknown[];
  queueUrl: string;
  backoff: BackoffPolicy;
  logger: Logger;
  message: string;
  breakerState: string;
}

export async function holdFailedFifoRecords(sqs: SQSClient, input: FifoHoldInput): Promise<void> {
  const { failed, holds, groupHolds } = input;
  const hints = new Map<string, number>();
  for (const record of failed) {
    const hint = holds.get(record.messageId) ?? groupHolds.get(record.attributes.MessageGroupId ?? '');
    if (hint) hints.set(record.messageId, hint.seconds);
  }
  const reasons: Record<string, number> = {};
  for (const error of input.errors) {
    if (error instanceof SqsFifoMessageGroupShortCircuitError || error instanceof SqsFifoShortCircuitError) continue;
    const name = error instanceof Error ? error.name : 'Error';
    reasons[name] = (reasons[name] ?? 0) + 1;
  }
  input.logger.warn(input.message, { held: failed.length, breaker: input.breakerState, reasons });
  try {
    await backoffFailedRecords(sqs, input.queueUrl, visibilityDelays(failed, input.backoff, hints));
  } catch (error) {
    input.logger.warn('visibility hold not applied; records return after the queue visibility timeout', { error: (error as Error).message });
  }
}

/**
 * Runs one record of a FIFO batch; when it fails, the hint it left (if any)
 * becomes its group's, so the records skipped behind it are held as long.
 */
export function rememberingGroupHold(
  handle: (record: SQSRecord) => Promise<void>,
  state: Pick<FifoHoldInput, 'holds' | 'groupHolds'>,
): (record: SQSRecord) => Promise<void> {
  return async (record) => {
    try {
      await handle(record);
    } catch (error) {
      const group = record.attributes.MessageGroupId ?? record.messageId;
      const hint = state.holds.get(record.messageId);
      if (hint && !state.groupHolds.has(group)) state.groupHolds.set(group, hint);
      throw error;
    }
  };
}
