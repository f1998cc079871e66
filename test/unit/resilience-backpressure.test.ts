// Backpressure in the local event source mapping, which follows Lambda's: at
// most maxConcurrency invocations at once, each with at most batchSize
// records, however deep the queue; a consumer holds one batch, never more.
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalEventSourceMapping } from '../../scripts/local/event-source-mapping';

/** A queue in memory, answering the calls the mapping makes. */
function fakeQueue(depth: number) {
  const waiting: Message[] = Array.from({ length: depth }, (_, i) => ({
    MessageId: `m${i}`,
    ReceiptHandle: `r${i}`,
    Body: '{}',
    Attributes: { ApproximateReceiveCount: '1' },
  }));
  const inFlight = new Map<string, Message>();
  const sqs = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      switch (command.constructor.name) {
        case 'ReceiveMessageCommand': {
          const taken = waiting.splice(0, command.input.MaxNumberOfMessages as number);
          for (const m of taken) inFlight.set(m.ReceiptHandle!, m);
          return { Messages: taken };
        }
        case 'DeleteMessageBatchCommand': {
          const entries = command.input.Entries as Array<{ Id: string; ReceiptHandle: string }>;
          for (const e of entries) inFlight.delete(e.ReceiptHandle);
          return { Successful: entries.map(({ Id }) => ({ Id })), Failed: [] };
        }
        case 'GetQueueAttributesCommand':
          return { Attributes: { ApproximateNumberOfMessages: String(waiting.length), ApproximateNumberOfMessagesNotVisible: String(inFlight.size), ApproximateNumberOfMessagesDelayed: '0' } };
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  } as unknown as SQSClient;
  return { sqs, remaining: () => waiting.length + inFlight.size };
}

describe('backpressure', () => {
  it('a deep queue never yields more than maxConcurrency batches of at most batchSize records at once', async () => {
    const queue = fakeQueue(300);
    let running = 0;
    let peak = 0;
    const batchSizes: number[] = [];
    const handler = async (event: SQSEvent) => {
      running += 1;
      peak = Math.max(peak, running);
      batchSizes.push(event.Records.length);
      await new Promise((r) => setTimeout(r, 20));
      running -= 1;
      return { batchItemFailures: [] };
    };
    const mapping = new LocalEventSourceMapping(
      queue.sqs,
      { url: 'http://sqs.local/q', arn: 'arn:aws:sqs:us-east-1:123456789012:q' },
      async () => handler,
      { batchSize: 10, batchingWindowMs: 0, maxConcurrency: 3, functionTimeoutMs: 5000 },
      { functionName: 'f', region: 'us-east-1', account: '123456789012' },
    );
    await mapping.start();
    await mapping.drained({ pollMs: 20, timeoutMs: 30_000 });
    await mapping.stop();

    expect(queue.remaining()).toBe(0);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(10);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    expect(mapping.stats.peakBatchesInFlight).toBe(peak);
    expect(mapping.stats.peakRecordsInFlight).toBeLessThanOrEqual(30);
  });
});
