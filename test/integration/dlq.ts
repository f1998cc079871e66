import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { queueDepth } from '../../scripts/local/event-source-mapping';

/** Reads every message of a DLQ (hiding each for a minute, which is fine at the end of a test). */
export async function drainForInspection(queueUrl: string): Promise<Message[]> {
  const sqs = new SQSClient({});
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
  }
}

/**
 * Queue depth once it settles: the counts are approximate (the local AWS
 * caches them for 100 ms, as AWS documents them eventually consistent).
 */
export async function depthSettles(queueUrl: string, expected: { visible: number; inFlight: number; delayed: number }): Promise<void> {
  const sqs = new SQSClient({});
  let depth = await queueDepth(sqs, queueUrl);
  for (let i = 0; i < 20 && JSON.stringify(depth) !== JSON.stringify(expected); i++) {
    await new Promise((r) => setTimeout(r, 150));
    depth = await queueDepth(sqs, queueUrl);
  }
  expect(depth).toEqual(expected);
}
