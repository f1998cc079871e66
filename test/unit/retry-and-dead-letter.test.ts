import { describe, expect, it } from 'vitest';
import { deadLetterAttributes } from '../../shared/consumer/dead-letter';
import { visibilityDelays } from '../../shared/consumer/retry-visibility';
import { backoffCeilingSeconds, fullJitterSeconds, retryAfterSeconds } from '../../shared/resilience/backoff';
import { PermanentEventError } from '../../shared/resilience/errors';
import { sqsRecord } from '../fixtures/factories';

describe('exponential backoff with full jitter', () => {
  const policy = { baseSeconds: 2, capSeconds: 60 };
  it('doubles the ceiling per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeilingSeconds(policy, n))).toEqual([2, 4, 8, 16, 32, 60, 60]);
  });
  it('draws uniformly between 0 and the ceiling', () => {
    expect(fullJitterSeconds(policy, 4, () => 0)).toBe(0);
    expect(fullJitterSeconds(policy, 4, () => 0.5)).toBe(8);
    expect(fullJitterSeconds(policy, 4, () => 0.999)).toBe(16);
  });
  it('spreads a burst of failures instead of returning them together', () => {
    const records = Array.from({ length: 200 }, () => sqsRecord('{}', { receiveCount: 5 }));
    const delays = new Set(visibilityDelays(records, policy).map((d) => d.seconds));
    expect(delays.size).toBeGreaterThan(10);
  });
  it('a downstream Retry-After wins over the computed delay', () => {
    const record = sqsRecord('{}', { receiveCount: 1 });
    const [delay] = visibilityDelays([record], policy, new Map([[record.messageId, 120]]), () => 0);
    expect(delay?.seconds).toBe(120);
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds(new Date(Date.parse('2026-01-01T00:00:30Z')).toUTCString(), Date.parse('2026-01-01T00:00:00Z'))).toBe(30);
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(undefined)).toBeUndefined();
  });
});

describe('dead-letter attributes', () => {
  it('carry the error class, message, first-seen time, function and receive count', () => {
    const record = sqsRecord('{', { receiveCount: 2, messageId: 'm-1' });
    const attrs = deadLetterAttributes(record, new PermanentEventError('invalid-json', 'body is not JSON'), 'consumer');
    expect(attrs.errorClass?.StringValue).toBe('invalid-json');
    expect(attrs.errorMessage?.StringValue).toBe('body is not JSON');
    expect(attrs.failedFunction?.StringValue).toBe('consumer');
    expect(attrs.receiveCount?.StringValue).toBe('2');
    expect(attrs.sourceMessageId?.StringValue).toBe('m-1');
    expect(attrs.firstSeen?.StringValue).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keep the firstSeen of the first failure when a redriven message fails again', () => {
    const firstSeen = '2026-01-02T03:04:05.000Z';
    const carried = { firstSeen: { dataType: 'String', stringValue: firstSeen, stringListValues: [], binaryListValues: [] } };
    const again = deadLetterAttributes(sqsRecord('{', { attributes: carried }), new PermanentEventError('invalid-json', 'x'), 'f');
    expect(again.firstSeen?.StringValue).toBe(firstSeen);
    const garbled = { firstSeen: { ...carried.firstSeen, stringValue: 'not a time' } };
    const fresh = deadLetterAttributes(sqsRecord('{', { attributes: garbled }), new PermanentEventError('invalid-json', 'x'), 'f');
    expect(fresh.firstSeen?.StringValue).not.toBe('not a time');
    expect(fresh.firstSeen?.StringValue).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keep original attributes within the SQS limit of 10, redriveCount first', () => {
    const original: Record<string, { dataType: string; stringValue: string; stringListValues: []; binaryListValues: [] }> = {};
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5', 'redriveCount']) {
      original[name] = { dataType: 'String', stringValue: name, stringListValues: [], binaryListValues: [] };
    }
    const attrs = deadLetterAttributes(sqsRecord('{', { attributes: original }), new PermanentEventError('invalid-json', 'x'), 'f');
    expect(Object.keys(attrs)).toHaveLength(10);
    expect(attrs.redriveCount?.StringValue).toBe('redriveCount');
  });
});
