// The DLQ redrive workflow on a messaging FIFO queue (issue 9): the definition
// that ships, executed by the local AWS's Step Functions against the inbound
// FIFO DLQ, as `dlq redrive --queue inbound` starts it. Dead letters of two
// conversations go back to the inbound FIFO queue in their group order, with
// their attributes, redriveCount counted and a new deduplication id (the
// original one would make SQS drop the redrive as a duplicate for 5 minutes).
import { createHash } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { MESSAGING_MODULE_VARIABLES, executionInput, localMessagingQueue, parseRedriveArgs, runExecution, type RedriveTarget, type SelectiveReport } from '../../scripts/lib/redrive';
import { provisionMessagingQueues } from '../../scripts/local/provision-messaging';
import { provisionLocalRedrive } from '../../scripts/local/provision-redrive';
import { readVariableDefaults } from '../../shared/config/stack-spec';
import { fifoIdsOf, deadLetterAttributes } from '../../shared/consumer/dead-letter';
import { inboundDeduplicationId, inboundGroupId, type InboundMessage } from '../../shared/messaging/contract';
import { PermanentEventError } from '../../shared/resilience/errors';
import { sqsRecord } from '../fixtures/factories';
import { inboundMessage, inboundSqsEntry } from '../fixtures/inbound-messages';
import { depthSettles } from './dlq';
import { freshStack } from './local-aws';

const sqs = new SQSClient({});
let target: RedriveTarget;

beforeEach(async () => {
  const stack = await freshStack();
  const prefix = (await readVariableDefaults(MESSAGING_MODULE_VARIABLES))('name_prefix') as string;
  await provisionMessagingQueues(prefix);
  // Resolved as `dlq redrive --queue inbound` resolves it on the local AWS.
  target = { where: 'local', ...(await provisionLocalRedrive(stack)), ...(await localMessagingQueue('inbound')) };
});

/** Two conversations, three messages each, interleaved as they arrived. */
function conversations(): InboundMessage[] {
  const a = { platform: 'line' as const, userId: 'U-alice' };
  const b = { platform: 'viber' as const, userId: 'bob==' };
  return [inboundMessage({ ...a, text: 'a1' }), inboundMessage({ ...b, text: 'b1' }), inboundMessage({ ...a, text: 'a2' }), inboundMessage({ ...b, text: 'b2' }), inboundMessage({ ...a, text: 'a3' }), inboundMessage({ ...b, text: 'b3' })];
}

/**
 * The path a dead letter takes in the forwarder: the message is queued by the
 * ingest function, received, and dead-lettered with its FIFO ids and the
 * reason (fifoIdsOf / deadLetterAttributes), minutes before the redrive.
 */
async function deadLetterThroughTheQueue(messages: InboundMessage[]): Promise<Map<string, Record<string, MessageAttributeValue>>> {
  const attributes = new Map<string, Record<string, MessageAttributeValue>>();
  for (const m of messages) await sqs.send(new SendMessageCommand(inboundSqsEntry(m, target.sourceUrl)));
  const received = await receiveAll(target.sourceUrl);
  expect(received.map((r) => textOf(r))).toHaveLength(messages.length);
  for (const r of received) {
    const record = sqsRecord(r.Body!, { messageId: r.MessageId });
    record.attributes.MessageGroupId = r.Attributes!.MessageGroupId;
    record.attributes.MessageDeduplicationId = r.Attributes!.MessageDeduplicationId;
    const MessageAttributes = deadLetterAttributes(record, new PermanentEventError('genesys-rejected', 'Genesys answered 400 in test'), 'genesys-messaging-forwarder');
    attributes.set(textOf(r), MessageAttributes);
    await sqs.send(new SendMessageCommand({ QueueUrl: target.dlqUrl, MessageBody: r.Body!, MessageAttributes, ...fifoIdsOf(record) }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: target.sourceUrl, ReceiptHandle: r.ReceiptHandle! }));
  }
  return attributes;
}

const textOf = (m: Message): string => (JSON.parse(m.Body!) as InboundMessage).text!;

/** Everything in a FIFO queue in delivery order (each group in its order), deleted as read. */
async function receiveAll(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    for (const m of Messages) {
      out.push(m);
      if (queueUrl === target.sourceUrl) continue; // deleted by the caller
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
    if (queueUrl === target.sourceUrl) {
      for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return out;
}

async function redrive(...args: string[]): Promise<SelectiveReport> {
  const result = await runExecution(new SFNClient({}), target, executionInput(parseRedriveArgs(['--queue', 'inbound', ...args]), target), { pollMs: 250 });
  expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
  return result.report as SelectiveReport;
}

const byGroup = (messages: Message[]) => {
  const groups = new Map<string, string[]>();
  for (const m of messages) groups.set(m.Attributes!.MessageGroupId!, [...(groups.get(m.Attributes!.MessageGroupId!) ?? []), textOf(m)]);
  return Object.fromEntries(groups);
};

describe('redrive of a messaging FIFO DLQ', () => {
  it('targets <name_prefix>-inbound-dlq.fifo -> <name_prefix>-inbound.fifo', () => {
    expect(target.dlqUrl).toMatch(/\/genesys-messaging-inbound-dlq\.fifo$/);
    expect(target.sourceUrl).toMatch(/\/genesys-messaging-inbound\.fifo$/);
  });

  it('moves the dead letters of two conversations back in each conversation order, attributes kept, redriveCount counted, new deduplication ids', async () => {
    const messages = conversations();
    const attributes = await deadLetterThroughTheQueue(messages);
    await depthSettles(target.dlqUrl, { visible: 6, inFlight: 0, delayed: 0 });

    const report = await redrive('--apply', '--rate', '50');

    expect(report).toMatchObject({ dryRun: false, inspected: 6, matched: 6, redriven: 6, quarantined: 0, held: 0, leftInDlq: 0 });
    expect(report.byErrorClass).toEqual({ 'genesys-rejected': 6 });
    const back = await receiveAll(target.sourceUrl);
    // Same groups, each in its original order (the deduplication window of the originals did not swallow them).
    expect(byGroup(back)).toEqual({
      [inboundGroupId(messages[0]!)]: ['a1', 'a2', 'a3'],
      [inboundGroupId(messages[1]!)]: ['b1', 'b2', 'b3'],
    });
    for (const m of back) {
      const original = messages.find((o) => o.text === textOf(m))!;
      expect(m.Body).toBe(JSON.stringify(original));
      const { redriveCount, ...rest } = m.MessageAttributes as Record<string, MessageAttributeValue>;
      expect(rest).toEqual(attributes.get(textOf(m)));
      expect(redriveCount).toEqual({ DataType: 'Number', StringValue: '1' });
      // Derived from the original deduplication id and the new redriveCount.
      const expected = createHash('sha256').update(`${inboundDeduplicationId(original)}:redrive:1`).digest('hex');
      expect(m.Attributes!.MessageDeduplicationId).toBe(expected);
    }
    await depthSettles(target.dlqUrl, { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a dry run counts them and leaves every message, group and order where it was', async () => {
    const messages = conversations();
    await deadLetterThroughTheQueue(messages);

    const report = await redrive();

    expect(report).toMatchObject({ dryRun: true, inspected: 6, wouldRedrive: 6, redriven: 0, leftInDlq: 6 });
    const left = await receiveAll(target.dlqUrl);
    expect(byGroup(left)).toEqual({
      [inboundGroupId(messages[0]!)]: ['a1', 'a2', 'a3'],
      [inboundGroupId(messages[1]!)]: ['b1', 'b2', 'b3'],
    });
    await depthSettles(target.sourceUrl, { visible: 0, inFlight: 0, delayed: 0 });
  });
});
