// Permanent failures skip the retries: the consumer sends the message to the
// buffer DLQ itself, with the error context as message attributes the redrive
// workflow groups by, and then acknowledges it (design §4). If the send
// fails, the error propagates and the record is retried: nothing is dropped.
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { PermanentEventError } from '../resilience/errors';

/** Attribute names set on a dead-lettered message. */
export const DLQ_ATTRIBUTES = {
  errorClass: 'errorClass',
  errorMessage: 'errorMessage',
  firstSeen: 'firstSeen',
  failedFunction: 'failedFunction',
  receiveCount: 'receiveCount',
  sourceMessageId: 'sourceMessageId',
} as const;

const SQS_MAX_ATTRIBUTES = 10;

/** Lambda's record attribute shape back to the SQS API shape. */
export function toSqsAttributes(attributes: SQSRecord['messageAttributes']): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value.stringValue !== undefined) out[name] = { DataType: value.dataType, StringValue: value.stringValue };
    else if (value.binaryValue !== undefined) out[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
  }
  return out;
}

/** SQS counts a message's attributes (name, type and value) towards its size limit, with the body. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

const utf8 = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

export const attributeBytes = (name: string, value: MessageAttributeValue): number =>
  utf8(name) + utf8(value.DataType) + utf8(value.StringValue) + (value.BinaryValue?.byteLength ?? 0);

function carriedFirstSeen(record: SQSRecord): string | undefined {
  const value = record.messageAttributes?.[DLQ_ATTRIBUTES.firstSeen]?.stringValue;
  return value !== undefined && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

export function deadLetterAttributes(
  record: SQSRecord,
  error: PermanentEventError,
  functionName: string,
  maxMessageBytes: number = SQS_MAX_MESSAGE_BYTES,
): Record<string, MessageAttributeValue> {
  const string = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const ours: Array<[string, MessageAttributeValue]> = [
    [DLQ_ATTRIBUTES.errorClass, string(error.reason)],
    [DLQ_ATTRIBUTES.sourceMessageId, string(record.messageId)],
    [DLQ_ATTRIBUTES.receiveCount, { DataType: 'Number', StringValue: record.attributes.ApproximateReceiveCount || '1' }],
    // A redriven message carries the firstSeen of its first failure: keep it,
    // so an operator sees how long the event has been failing, not when it
    // was last redriven.
    [DLQ_ATTRIBUTES.firstSeen, string(carriedFirstSeen(record) ?? new Date(Number(record.attributes.SentTimestamp) || Date.now()).toISOString())],
    [DLQ_ATTRIBUTES.failedFunction, string(functionName)],
    [DLQ_ATTRIBUTES.errorMessage, string(error.message.slice(0, 512) || error.reason)],
  ];
  // SQS allows 10 attributes: keep the original ones that fit, redriveCount
  // first because the redrive workflow's quarantine rule depends on it.
  const original = Object.entries(toSqsAttributes(record.messageAttributes))
    .filter(([name]) => !ours.some(([own]) => own === name))
    .sort(([a], [b]) => (a === 'redriveCount' ? -1 : b === 'redriveCount' ? 1 : a.localeCompare(b)))
    .slice(0, SQS_MAX_ATTRIBUTES - ours.length);
  // A body near the size limit (an oversize event can be up to 1 MiB) leaves
  // little room: attributes go in order of importance, the error class
  // first, redriveCount right after it, and the error message is shortened
  // before it is dropped. The body is never cut: the redrive needs it whole.
  let room = maxMessageBytes - utf8(record.body);
  const out: Record<string, MessageAttributeValue> = {};
  const redriveCount = original.find(([name]) => name === 'redriveCount');
  const ordered = [ours[0]!, ...(redriveCount ? [redriveCount] : []), ...ours.slice(1), ...original.filter((entry) => entry !== redriveCount)];
  for (const [name, value] of ordered) {
    let candidate = value;
    if (name === DLQ_ATTRIBUTES.errorMessage && attributeBytes(name, candidate) > room) {
      const spare = room - attributeBytes(name, { ...candidate, StringValue: '' });
      if (spare < 16) continue;
      candidate = string(Buffer.from(candidate.StringValue!, 'utf8').subarray(0, spare).toString('utf8').replace(/\uFFFD$/, ''));
    }
    const size = attributeBytes(name, candidate);
    if (size > room) continue;
    out[name] = candidate;
    room -= size;
  }
  return out;
}

/**
 * A record from a FIFO queue goes to a FIFO DLQ (AWS requires the DLQ of a
 * FIFO queue to be FIFO) with its own group and deduplication ids: the group
 * keeps one conversation's dead letters in order for the redrive, and the
 * deduplication id makes a second dead-lettering of the same record (sent,
 * then not acknowledged) within five minutes a no-op.
 */
export function fifoIdsOf(record: SQSRecord): { MessageGroupId: string; MessageDeduplicationId: string } | undefined {
  const group = record.attributes.MessageGroupId;
  if (!group) return undefined;
  return { MessageGroupId: group, MessageDeduplicationId: record.attributes.MessageDeduplicationId ?? record.messageId };
}

export async function deadLetter(
  sqs: SQSClient,
  dlqUrl: string,
  record: SQSRecord,
  error: PermanentEventError,
  functionName: string,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: record.body,
      MessageAttributes: deadLetterAttributes(record, error, functionName),
      ...fifoIdsOf(record),
    }),
  );
}
