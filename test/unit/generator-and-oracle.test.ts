import { describe, expect, it } from 'vitest';
import { generateBurst } from '../../scripts/lib/event-generator';
import { buildOracle, itemKey } from '../../scripts/lib/oracle';
import { parseGenesysEvent } from '../../shared/genesys/event';

const now = Date.parse('2026-11-24T08:00:00Z');
const limits = { maxEventBytes: 262144, maxFutureSkewMs: 300_000, now: () => now };

describe('event generator', () => {
  const burst = generateBurst({ count: 2000, entities: 50, duplicateRatio: 0.1, poisonRatio: 0.02, unknownTopicRatio: 0.05, now, seed: 7 });

  it('produces the requested mix', () => {
    expect(burst.lines).toHaveLength(2000);
    expect(burst.counts.duplicates).toBe(200);
    expect(Object.values(burst.counts.poison).reduce((a, b) => a + (b ?? 0), 0)).toBe(40);
    expect(burst.counts.unknownTopic).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', () => {
    const again = generateBurst({ count: 2000, entities: 50, duplicateRatio: 0.1, poisonRatio: 0.02, unknownTopicRatio: 0.05, now, seed: 7 });
    expect(again.lines).toEqual(burst.lines);
  });

  it('uses each family its own time format', () => {
    const byType = new Map<string, Record<string, unknown>>();
    for (const line of burst.lines) {
      try {
        const e = JSON.parse(line) as { 'detail-type': string; detail?: { eventBody: Record<string, unknown> } };
        if (e.detail) byType.set(e['detail-type'].split('{id}')[0]!, e.detail.eventBody);
      } catch {
        // poison line
      }
    }
    expect(typeof byType.get('v2.detail.events.conversation.')?.eventTime).toBe('number');
    expect(typeof byType.get('v2.audits.entitytype.')?.eventTime).toBe('string');
    expect(typeof byType.get('v2.users.')?.modifiedDate).toBe('string');
  });

  it('every poison line is rejected with a reason; every other line parses', () => {
    const oracle = buildOracle(burst.lines, limits);
    expect(oracle.valid).toBe(burst.counts.valid);
    expect(Object.values(oracle.invalid).reduce((a, b) => a + (b ?? 0), 0)).toBe(40);
  });
});

describe('oracle', () => {
  it('keeps, per entity and aspect, the event with the greatest order key, whatever the order', () => {
    const burst = generateBurst({ count: 500, entities: 10, poisonRatio: 0, duplicateRatio: 0.2, now, seed: 3 });
    const forward = buildOracle(burst.lines, limits);
    const backward = buildOracle([...burst.lines].reverse(), limits);
    expect([...backward.expected.entries()].sort()).toEqual([...forward.expected.entries()].sort());
    for (const line of burst.lines) {
      const e = parseGenesysEvent(line, limits);
      expect(forward.expected.get(itemKey(e.entity, e.aspect))!.orderKey >= e.orderKey).toBe(true);
    }
  });
});
