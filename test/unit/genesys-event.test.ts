import { describe, expect, it } from 'vitest';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { PermanentEventError } from '../../shared/resilience/errors';
import {
  BASE_TIME,
  LIMITS,
  auditEvent,
  conversationEvent,
  presenceEvent,
  routingQueueEvent,
  unknownTopicEvent,
} from '../fixtures/factories';

const parse = (event: unknown, limits = LIMITS) => parseGenesysEvent(JSON.stringify(event), limits);

function reasonOf(body: string, limits = LIMITS): string {
  try {
    parseGenesysEvent(body, limits);
  } catch (error) {
    if (error instanceof PermanentEventError) return error.reason;
    throw error;
  }
  throw new Error('expected a permanent error');
}

describe('event time and keys per topic family', () => {
  it('conversation detail: epoch-ms eventTime, entity conversation/<id>, aspect <participant>/<suffix>', () => {
    const e = parse(conversationEvent({ conversationId: 'c-1', participantId: 'p-9', suffix: 'acw', eventTime: BASE_TIME + 1234 }));
    expect(e).toMatchObject({ family: 'conversation-detail', entity: 'conversation/c-1', aspect: 'p-9/acw', eventTimeMs: BASE_TIME + 1234 });
  });

  it('audit: ISO eventTime, entity audit/<type>/<id>', () => {
    const e = parse(auditEvent({ entityType: 'USER', entityId: 'u-1', eventTime: '2026-11-24T08:00:01.500Z' }));
    expect(e).toMatchObject({ family: 'audits', entity: 'audit/USER/u-1', aspect: 'audit', eventTimeMs: Date.parse('2026-11-24T08:00:01.500Z') });
  });

  it('presence: modifiedDate, user id from topicName', () => {
    const e = parse(presenceEvent({ userId: 'u-7', modifiedDate: '2026-11-24T07:59:00.250Z' }));
    expect(e).toMatchObject({ family: 'user-presence', entity: 'user/u-7', aspect: 'presence', eventTimeMs: Date.parse('2026-11-24T07:59:00.250Z') });
  });

  it('routing queue conversations: no body time, uses detail.timestamp; queue id from topicName', () => {
    const e = parse(routingQueueEvent({ queueId: 'q-3', conversationId: 'c-5', timestampMs: BASE_TIME + 42 }));
    expect(e).toMatchObject({ family: 'routing-queue-conversations', entity: 'conversation/c-5', aspect: 'queue/q-3', eventTimeMs: BASE_TIME + 42 });
  });

  it('unknown topic: accepted and kept as a stream under topic/<topicName>, time from detail.timestamp', () => {
    const e = parse(unknownTopicEvent({ topicName: 'v2.flows.outcomes.f-1', timestampMs: BASE_TIME + 7 }));
    expect(e).toMatchObject({ family: 'other', mode: 'stream', entity: 'topic/v2.flows.outcomes.f-1', aspect: `event/${e.orderKey}`, eventTimeMs: BASE_TIME + 7 });
  });

  it('unknown topic without detail.timestamp falls back to the envelope time', () => {
    const event = unknownTopicEvent({ time: '2026-11-24T08:00:09Z' });
    delete (event.detail as { timestamp?: string }).timestamp;
    expect(parse(event).eventTimeMs).toBe(Date.parse('2026-11-24T08:00:09Z'));
  });
});

describe('payload drift', () => {
  it('unknown fields in the envelope, detail and body pass through to the projection data', () => {
    const event = conversationEvent({ extra: { newGenesysField: { nested: [1, 2] } } }) as Record<string, unknown>;
    event.brandNewEnvelopeField = 'x';
    (event.detail as Record<string, unknown>).newDetailField = true;
    const e = parse(event);
    expect(e.eventBody.newGenesysField).toEqual({ nested: [1, 2] });
  });

  it('the same content under a new envelope id has the same order key (a duplicate)', () => {
    const first = conversationEvent({ conversationId: 'c-1' });
    const copy = { ...first, id: 'another-envelope-id', time: '2026-11-24T09:00:00Z' };
    expect(parse(copy).orderKey).toBe(parse(first).orderKey);
    expect(parse(copy).eventId).not.toBe(parse(first).eventId);
  });

  it('key order in the JSON does not change the content digest', () => {
    const event = conversationEvent();
    const reordered = { ...event, detail: Object.fromEntries(Object.entries(event.detail).reverse()) };
    expect(parse(reordered).digest).toBe(parse(event).digest);
  });
});

describe('poison classification', () => {
  const valid = conversationEvent();
  const cases: Array<[string, string, string]> = [
    ['body not JSON', '{"version":"0","id":', 'invalid-json'],
    ['JSON but not an envelope', JSON.stringify({ hello: 'world' }), 'not-an-event'],
    ['JSON array', JSON.stringify([1, 2]), 'not-an-event'],
    ['detail missing', JSON.stringify({ ...valid, detail: undefined }), 'missing-detail'],
    ['detail a string', JSON.stringify({ ...valid, detail: 'text' }), 'missing-detail'],
    ['eventBody missing', JSON.stringify({ ...valid, detail: { topicName: 't' } }), 'schema-violation'],
    ['eventTime of the wrong type', JSON.stringify({ ...valid, detail: { ...valid.detail, eventBody: { ...valid.detail.eventBody, eventTime: 'yesterday' } } }), 'schema-violation'],
    ['conversationId of the wrong type', JSON.stringify({ ...valid, detail: { ...valid.detail, eventBody: { ...valid.detail.eventBody, conversationId: 42 } } }), 'schema-violation'],
    ['negative event time', JSON.stringify({ ...valid, detail: { ...valid.detail, eventBody: { ...valid.detail.eventBody, eventTime: -5 } } }), 'invalid-event-time'],
    ['unparseable ISO time', JSON.stringify(auditEvent({ eventTime: 'not a date', detailTimestamp: '2026-11-24T08:00:00.000Z', time: '2026-11-24T08:00:00Z' })), 'invalid-event-time'],
    ['event time far in the future', JSON.stringify(conversationEvent({ eventTime: LIMITS.now() + 3600_000 })), 'event-time-in-future'],
    ['presence topic without a user id', JSON.stringify({ ...presenceEvent(), detail: { ...presenceEvent().detail, topicName: 'v2.users.presence' } }), 'schema-violation'],
  ];
  it.each(cases)('%s → %s', (_label, body, reason) => {
    expect(reasonOf(body)).toBe(reason);
  });

  it('oversize body', () => {
    const body = JSON.stringify(conversationEvent({ extra: { blob: 'x'.repeat(300_000) } }));
    expect(reasonOf(body)).toBe('oversize');
  });

  it('deep nesting', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(reasonOf(JSON.stringify(conversationEvent({ extra: { deep } })))).toBe('too-deep');
  });

  it('event time just inside the allowed skew is accepted', () => {
    const e = parse(conversationEvent({ eventTime: LIMITS.now() + LIMITS.maxFutureSkewMs - 1 }));
    expect(e.eventTimeMs).toBe(LIMITS.now() + LIMITS.maxFutureSkewMs - 1);
  });
});
