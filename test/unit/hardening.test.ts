import { describe, expect, it } from 'vitest';
import { ALL_POISON_KINDS, generateBurst } from '../../scripts/lib/event-generator';
import { SQS_MAX_MESSAGE_BYTES, attributeBytes, deadLetterAttributes } from '../../shared/consumer/dead-letter';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { firstDuplicateKey } from '../../shared/genesys/json-guard';
import { PermanentEventError } from '../../shared/resilience/errors';
import { BASE_TIME, LIMITS, auditEvent, conversationEvent, sqsRecord, unknownTopicEvent } from '../fixtures/factories';

const reasonOf = (body: string): string => {
  try {
    parseGenesysEvent(body, LIMITS);
    return 'accepted';
  } catch (error) {
    if (error instanceof PermanentEventError) return error.reason;
    throw error;
  }
};

describe('bad input hardening', () => {
  it('finds a repeated key in one object, at any depth, and ignores keys repeated across objects', () => {
    expect(firstDuplicateKey('{"a":1,"b":{"c":1,"c":2}}')).toBe('c');
    expect(firstDuplicateKey('{"a":1,"a":2}')).toBe('a');
    expect(firstDuplicateKey('{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}')).toBeUndefined();
    expect(firstDuplicateKey('{"k":"a,\\"b\\":1","b":2}')).toBeUndefined();
    expect(firstDuplicateKey('{"\\u0061":1,"a":2}')).toBe('a');
  });

  it('dead-letters a body with duplicate keys instead of guessing which value Genesys meant', () => {
    const text = JSON.stringify(conversationEvent({ conversationId: 'c-1' })).replace('"conversationId":"c-1"', '"conversationId":"c-1","conversationId":"c-2"');
    expect(reasonOf(text)).toBe('duplicate-keys');
  });

  it('dead-letters invalid UTF-8 (U+FFFD after decoding) and unpaired surrogates', () => {
    const event = conversationEvent();
    expect(reasonOf(JSON.stringify(event).replace('MESSAGE', 'MES\uFFFDSAGE'))).toBe('invalid-utf8');
    expect(reasonOf(JSON.stringify(event).replace('MESSAGE', 'MES\uD800SAGE'))).toBe('invalid-utf8');
    // The same character escaped by a hop that re-serialised the JSON.
    expect(reasonOf(JSON.stringify(event).replace('MESSAGE', 'MES\\ufffdSAGE'))).toBe('invalid-utf8');
  });

  it('rejects a 1 MiB payload as oversize without parsing it', () => {
    expect(reasonOf(`{"pad":"${'x'.repeat(1024 * 1024)}"}`)).toBe('oversize');
  });

  it('survives nesting far beyond the stack: 100,000 levels is a named reason, not a crash', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(['too-deep', 'not-an-event']).toContain(reasonOf(deep));
    expect(reasonOf(`{"detail":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`)).toBe('too-deep');
  });
});

describe('every kind of bad input has a named reason', () => {
  const valid = () => conversationEvent({ conversationId: 'c-1', eventTime: BASE_TIME });
  const withBody = (patch: Record<string, unknown>) => {
    const event = valid();
    Object.assign(event.detail.eventBody, patch);
    return JSON.stringify(event);
  };
  it.each([
    ['body not JSON', 'invalid-json', 'not json {'],
    ['JSON but not an envelope', 'not-an-event', '{"hello":"world"}'],
    ['JSON array', 'not-an-event', '[1,2,3]'],
    ['detail missing', 'missing-detail', JSON.stringify({ ...valid(), detail: undefined })],
    ['detail a string', 'missing-detail', JSON.stringify({ ...valid(), detail: 'x' })],
    ['detail an array', 'missing-detail', JSON.stringify({ ...valid(), detail: [] })],
    ['eventBody not an object', 'schema-violation', JSON.stringify({ ...valid(), detail: { ...valid().detail, eventBody: 'x' } })],
    ['conversationId a number', 'schema-violation', withBody({ conversationId: 42 })],
    ['participantId an object', 'schema-violation', withBody({ participantId: { id: 1 } })],
    ['eventTime a string', 'schema-violation', withBody({ eventTime: 'yesterday' })],
    ['CorrelationId a number', 'schema-violation', JSON.stringify({ ...valid(), detail: { ...valid().detail, metadata: { CorrelationId: 7 } } })],
    ['eventTime negative', 'invalid-event-time', withBody({ eventTime: -1 })],
    ['eventTime fractional', 'invalid-event-time', withBody({ eventTime: 1.5 })],
    ['audit time unparseable', 'invalid-event-time', JSON.stringify(auditEvent({ eventTime: 'the day before yesterday' }))],
    ['eventTime beyond the future skew', 'event-time-in-future', withBody({ eventTime: BASE_TIME + 30 * 24 * 3600_000 })],
    ['nested 40 levels', 'too-deep', withBody({ deep: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) })],
    ['1 MiB payload', 'oversize', withBody({ pad: 'x'.repeat(1024 * 1024 - 1024) })],
    ['duplicate keys', 'duplicate-keys', JSON.stringify(valid()).replace('"conversationId":"c-1"', '"conversationId":"c-1","conversationId":"c-2"')],
    ['invalid UTF-8', 'invalid-utf8', withBody({ mediaType: 'MES\uFFFDSAGE' })],
  ])('%s → %s', (_label, reason, body) => {
    expect(reasonOf(body)).toBe(reason);
  });

  it('an unknown topic is accepted and stored under topic/<topicName>', () => {
    const event = parseGenesysEvent(JSON.stringify(unknownTopicEvent({ topicName: 'v2.brand.new.thing' })), LIMITS);
    expect(event.entity).toBe('topic/v2.brand.new.thing');
    expect(event.aspect).toBe(`event/${event.orderKey}`);
  });

  it('refuses keys and items DynamoDB would refuse on every retry', () => {
    // participant/suffix: 250 + 1 + 800 bytes, each part within its own length limit in characters
    const event = conversationEvent({ participantId: 'p'.repeat(250), suffix: 'é'.repeat(400) });
    expect(reasonOf(JSON.stringify(event))).toBe('schema-violation');
    // With max_event_bytes raised to the SQS limit, a body that fits SQS can still exceed one 400 KB item.
    const big = JSON.stringify(conversationEvent({ eventTime: BASE_TIME, extra: { pad: 'x'.repeat(450 * 1024) } }));
    expect(() => parseGenesysEvent(big, { ...LIMITS, maxEventBytes: 1024 * 1024 })).toThrow(/one DynamoDB item holds 400 KB/);
    // Numbers re-serialise longer than written: 100 KB of `9e20` is 450 KB of digits in the stored item.
    const numbers = JSON.stringify(conversationEvent({ eventTime: BASE_TIME })).replace('"mediaType":"MESSAGE"', `"samples":[${Array(20_000).fill('9e20').join(',')}]`);
    expect(() => parseGenesysEvent(numbers, { ...LIMITS, maxEventBytes: 1024 * 1024 })).toThrow(/one DynamoDB item holds 400 KB/);
  });

  it('every poison kind of the fault suite is rejected with the reason the oracle expects', () => {
    const now = BASE_TIME + 3600_000;
    const burst = generateBurst({ count: ALL_POISON_KINDS.length, poisonRatio: 1, duplicateRatio: 0, poisonKinds: ALL_POISON_KINDS, now, seed: 1 });
    const reasons = burst.lines.map((line) => reasonOf(line)).sort();
    expect(reasons).not.toContain('accepted');
    expect(new Set(reasons)).toEqual(
      new Set(['invalid-json', 'missing-detail', 'schema-violation', 'event-time-in-future', 'not-an-event', 'invalid-event-time', 'too-deep', 'duplicate-keys', 'invalid-utf8', 'oversize']),
    );
  });
});

describe('dead-lettering a body near the 1 MiB limit', () => {
  it('keeps the body whole and fits the attributes that matter, error class first', () => {
    const body = 'x'.repeat(SQS_MAX_MESSAGE_BYTES - 200);
    const redrive = { redriveCount: { dataType: 'Number', stringValue: '2', stringListValues: [], binaryListValues: [] } };
    const attrs = deadLetterAttributes(sqsRecord(body, { attributes: redrive }), new PermanentEventError('oversize', `body is ${body.length} bytes; the limit is 262144`), 'consumer');
    const size = Object.entries(attrs).reduce((sum, [name, value]) => sum + attributeBytes(name, value), 0);
    expect(Buffer.byteLength(body) + size).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    expect(attrs.errorClass?.StringValue).toBe('oversize');
    expect(attrs.redriveCount?.StringValue).toBe('2');
  });

  it('shortens the error message before dropping it', () => {
    const body = 'x'.repeat(SQS_MAX_MESSAGE_BYTES - 400);
    const attrs = deadLetterAttributes(sqsRecord(body), new PermanentEventError('oversize', 'é'.repeat(300)), 'consumer');
    const message = attrs.errorMessage?.StringValue ?? '';
    expect(message.length).toBeGreaterThan(0);
    expect(message).not.toContain('\uFFFD');
    const size = Object.entries(attrs).reduce((sum, [name, value]) => sum + attributeBytes(name, value), 0);
    expect(Buffer.byteLength(body) + size).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
  });
});
