import { describe, expect, it } from 'vitest';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { compareOrderKeys, orderKey } from '../../shared/genesys/order-key';
import { BASE_TIME, LIMITS, conversationEvent, presenceEvent } from '../fixtures/factories';

const keyOf = (event: unknown) => parseGenesysEvent(JSON.stringify(event), LIMITS).orderKey;

describe('order key', () => {
  it('orders by event time first, whatever the detail timestamp says', () => {
    const earlier = conversationEvent({ conversationId: 'c', eventTime: BASE_TIME, detailTimestamp: '2026-11-24T09:00:00.000Z' });
    const later = conversationEvent({ conversationId: 'c', eventTime: BASE_TIME + 1, detailTimestamp: '2026-11-24T07:00:00.000Z' });
    expect(compareOrderKeys(keyOf(earlier), keyOf(later))).toBe(-1);
  });

  it('breaks an event-time tie with detail.timestamp', () => {
    const a = presenceEvent({ userId: 'u', modifiedDate: '2026-11-24T08:00:00.000Z', detailTimestamp: '2026-11-24T08:00:00.100Z' });
    const b = presenceEvent({ userId: 'u', modifiedDate: '2026-11-24T08:00:00.000Z', detailTimestamp: '2026-11-24T08:00:00.200Z' });
    expect(keyOf(a) < keyOf(b)).toBe(true);
  });

  it('breaks a full tie deterministically by content, so two different events never share a key', () => {
    const a = presenceEvent({ userId: 'u', status: 'BUSY', detailTimestamp: '2026-11-24T08:00:00.100Z' });
    const b = presenceEvent({ userId: 'u', status: 'AWAY', detailTimestamp: '2026-11-24T08:00:00.100Z' });
    const [ka, kb] = [keyOf(a), keyOf(b)];
    expect(ka).not.toBe(kb);
    expect(ka.slice(0, 31)).toBe(kb.slice(0, 31));
  });

  it('string order equals numeric order across digit-count changes', () => {
    const small = orderKey({ eventTimeMs: 999, detailTimestampMs: 0, digest: 'f' });
    const large = orderKey({ eventTimeMs: 1000, detailTimestampMs: 0, digest: '0' });
    expect(small < large).toBe(true);
  });

  it('rejects negative or fractional times', () => {
    expect(() => orderKey({ eventTimeMs: -1, detailTimestampMs: 0, digest: 'a' })).toThrow(RangeError);
    expect(() => orderKey({ eventTimeMs: 1.5, detailTimestampMs: 0, digest: 'a' })).toThrow(RangeError);
  });
});
