import { describe, expect, it } from 'vitest';
import { failedRecordIds, toSqsRecord } from '../../scripts/local/event-source-mapping';
import { sqsRecord } from '../fixtures/factories';

describe('ReportBatchItemFailures semantics of the local event source mapping', () => {
  const records = [sqsRecord('a', { messageId: 'm1' }), sqsRecord('b', { messageId: 'm2' })];
  it('an empty or missing response means every record succeeded', () => {
    expect(failedRecordIds(undefined, records)).toEqual(new Set());
    expect(failedRecordIds({}, records)).toEqual(new Set());
    expect(failedRecordIds({ batchItemFailures: [] }, records)).toEqual(new Set());
  });
  it('listed records are kept, the rest deleted', () => {
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, records)).toEqual(new Set(['m2']));
  });
  it.each([
    ['an unknown message id', { batchItemFailures: [{ itemIdentifier: 'nope' }] }],
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a wrong key name', { batchItemFailures: [{ id: 'm1' }] }],
    ['a non-array', { batchItemFailures: 'm1' }],
    ['a string response', 'ok'],
  ])('%s fails the whole batch, as on AWS', (_label, response) => {
    expect(failedRecordIds(response, records)).toBe('all');
  });
  it('builds records shaped as Lambda delivers them', () => {
    const record = toSqsRecord(
      {
        MessageId: 'm', ReceiptHandle: 'r', Body: '{}', MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '3', SentTimestamp: '1', SenderId: 's', ApproximateFirstReceiveTimestamp: '2' },
        MessageAttributes: { errorClass: { DataType: 'String', StringValue: 'invalid-json' } },
      },
      'arn:aws:sqs:us-east-1:123456789012:q',
      'us-east-1',
    );
    expect(record).toMatchObject({
      messageId: 'm', receiptHandle: 'r', body: '{}', md5OfBody: 'md5', eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q', awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '3' },
      messageAttributes: { errorClass: { dataType: 'String', stringValue: 'invalid-json', stringListValues: [], binaryListValues: [] } },
    });
  });
});
