// A failed record would otherwise come back after the queue's full visibility
// timeout (6x the function timeout). Setting its visibility to a jittered
// exponential delay based on ApproximateReceiveCount retries sooner at first,
// later under a persistent fault, and never in lockstep with its batch mates.
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { fullJitterSeconds, type BackoffPolicy } from '../resilience/backoff';

const SQS_BATCH = 10;
const MAX_VISIBILITY_SECONDS = 43_200;

export function visibilityDelays(
  records: SQSRecord[],
  policy: BackoffPolicy,
  hintSeconds: Map<string, number> = new Map(),
  random: () => number = Math.random,
): Array<{ record: SQSRecord; seconds: number }> {
  return records.map((record) => {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    const computed = fullJitterSeconds(policy, attempt, random);
    // A downstream's Retry-After wins over the computed delay.
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, hintSeconds.get(record.messageId) ?? computed);
    return { record, seconds };
  });
}

/** Best effort: if this call fails, the records still return after the queue's visibility timeout. */
export async function backoffFailedRecords(
  sqs: SQSClient,
  queueUrl: string,
  delays: Array<{ record: SQSRecord; seconds: number }>,
): Promise<number> {
  let changed = 0;
  for (let i = 0; i < delays.length; i += SQS_BATCH) {
    const chunk = delays.slice(i, i + SQS_BATCH);
    const result = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map(({ record, seconds }, n) => ({
          Id: String(n),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        })),
      }),
    );
    changed += result.Successful?.length ?? 0;
  }
  return changed;
}
