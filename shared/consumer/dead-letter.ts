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

export function deadLetterAttributes(
  record: SQSRecord,
  error: PermanentEventError,
  functionName: string,
): Record<string, MessageAttributeValue> {
  const ours: Record<string, MessageAttributeValue> = {
    [DLQ_ATTRIBUTES.errorClass]: { DataType: 'String', StringValue: error.reason },
    [DLQ_ATTRIBUTES.errorMessage]: { DataType: 'String', StringValue: error.message.slice(0, 512) || error.reason },
    [DLQ_ATTRIBUTES.firstSeen]: {
      DataType: 'String',
      StringValue: new Date(Number(record.attributes.SentTimestamp) || Date.now()).toISOString(),
    },
    [DLQ_ATTRIBUTES.failedFunction]: { DataType: 'String', StringValue: functionName },
    [DLQ_ATTRIBUTES.receiveCount]: { DataType: 'Number', StringValue: record.attributes.ApproximateReceiveCount || '1' },
    [DLQ_ATTRIBUTES.sourceMessageId]: { DataType: 'String', StringValue: record.messageId },
  };
  // SQS allows 10 attributes: keep the original ones that fit, redriveCount first
  // because the redrive workflow's quarantine rule depends on it.
  const original = Object.entries(toSqsAttributes(record.messageAttributes))
    .filter(([name]) => !(name in ours))
    .sort(([a], [b]) => (a === 'redriveCount' ? -1 : b === 'redriveCount' ? 1 : a.localeCompare(b)));
  for (const [name, value] of original.slice(0, SQS_MAX_ATTRIBUTES - Object.keys(ours).length)) ours[name] = value;
  return ours;
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
    }),
  );
}
