// The ordering buffer's pure rules: what a release run sends, drops or keeps
// (plan.ts), how triggers coalesce without losing one (keys.ts), the feed
// message, and the configuration a wrong value must stop.
import { describe, expect, it } from 'vitest';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { toBufferedEvent, type BufferedEvent } from '../../shared/ordering/buffer';
import { holdSecondsFrom, lateEventPolicyFrom, readOrderingBufferSettings, readReleaseSettings } from '../../shared/ordering/config';
import { feedSendInput, parseFeedMessage, toFeedMessage } from '../../shared/ordering/feed-message';
import { groupIdFor, triggerDeduplicationId, WATERMARK_SORT_KEY } from '../../shared/ordering/keys';
import { planRelease, type Watermark } from '../../shared/ordering/plan';
import { entityOfTrigger } from '../../shared/ordering/release-batch';
import { BASE_TIME, LIMITS, conversationEvent, sqsRecord } from '../fixtures/factories';

const HOLD = 5;
const NOW = BASE_TIME + 3600_000;

/** A buffered conversation event with the given event-time offset (ms) and arrival (ms before NOW). */
function buffered(eventOffsetMs: number, arrivedMsAgo: number, conversationId = 'c-1'): BufferedEvent {
  const event = parseGenesysEvent(JSON.stringify(conversationEvent({ conversationId, suffix: `phase${eventOffsetMs}`, eventTime: BASE_TIME + eventOffsetMs, correlationId: `corr-${eventOffsetMs}` })), LIMITS);
  return toBufferedEvent(event, NOW - arrivedMsAgo);
}

const keysOf = (plan: ReturnType<typeof planRelease>) => plan.actions.map((a) => `${a.kind}${a.kind === 'send' && a.late ? ':late' : ''}@${a.event.eventTime - BASE_TIME}`);

describe('a release run', () => {
  it('sends every event whose hold has passed in order-key order, whatever order they arrived in', () => {
    const events = [buffered(300, 6000), buffered(100, 9000), buffered(200, 7000)];
    const plan = planRelease(undefined, events, NOW, HOLD, 'mark');
    expect(keysOf(plan)).toEqual(['send@100', 'send@200', 'send@300']);
    expect(plan.watermark?.orderKey).toBe(events[0]!.orderKey);
    expect(plan.waiting).toBe(0);
  });

  it('stops at the first event still in its hold: a later one waits rather than overtake it', () => {
    // @200 arrived 2 s ago (3 s of hold left); @300 arrived long ago but must not pass it.
    const events = [buffered(100, 9000), buffered(200, 2000), buffered(300, 9000)];
    const plan = planRelease(undefined, events, NOW, HOLD, 'mark');
    expect(keysOf(plan)).toEqual(['send@100']);
    expect(plan.waiting).toBe(2);
  });

  it('releases nothing and keeps the watermark when the first event is in its hold', () => {
    const watermark: Watermark = { orderKey: buffered(50, 60_000).orderKey, arrivedAt: NOW - 60_000 };
    const plan = planRelease(watermark, [buffered(100, 1000)], NOW, HOLD, 'mark');
    expect(plan.actions).toEqual([]);
    expect(plan.watermark).toEqual(watermark);
    expect(plan.waiting).toBe(1);
  });

  it('marks an event below the watermark late, with the watermark it missed, and does not move the watermark back', () => {
    const wm = buffered(500, 60_000);
    const watermark: Watermark = { orderKey: wm.orderKey, arrivedAt: wm.arrivedAt };
    const plan = planRelease(watermark, [buffered(600, 6000), buffered(100, 6000)], NOW, HOLD, 'mark');
    expect(keysOf(plan)).toEqual(['send:late@100', 'send@600']);
    expect(plan.actions[0]).toMatchObject({ late: true, missedWatermark: wm.orderKey });
    expect(plan.watermark?.orderKey).toBe(buffered(600, 6000).orderKey);
    // It arrived 54 s after the event that set the watermark.
    expect(plan.arrivalDisorderMs[0]).toBe(54_000);
  });

  it('drops a late event under the drop policy (it stays in the projection only)', () => {
    const wm = buffered(500, 60_000);
    const plan = planRelease({ orderKey: wm.orderKey, arrivedAt: wm.arrivedAt }, [buffered(100, 6000)], NOW, HOLD, 'drop');
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'drop-late', missedWatermark: wm.orderKey })]);
  });

  it('removes a second copy of the content that set the watermark without sending it again', () => {
    const wm = buffered(500, 60_000);
    const plan = planRelease({ orderKey: wm.orderKey, arrivedAt: wm.arrivedAt }, [buffered(500, 6000)], NOW, HOLD, 'mark');
    expect(keysOf(plan)).toEqual(['drop-released@500']);
  });

  it('removes without sending the events the watermark lists as just released (a run died before deleting them); the rest below it are late', () => {
    const released = [buffered(300, 60_000), buffered(400, 60_000)];
    const watermark: Watermark = { orderKey: released[1]!.orderKey, arrivedAt: NOW - 60_000, lastReleased: released.map((e) => e.orderKey) };
    const plan = planRelease(watermark, [...released, buffered(100, 9000), buffered(500, 9000)], NOW, HOLD, 'mark');
    expect(keysOf(plan)).toEqual(['send:late@100', 'drop-released@300', 'drop-released@400', 'send@500']);
  });

  it('measures arrival disorder: how long after a later event of its entity each event arrived', () => {
    // @100 arrived 3 s after @200 (inside the 5 s window), @300 arrived first.
    const events = [buffered(300, 20_000), buffered(200, 12_000), buffered(100, 9000)];
    const plan = planRelease(undefined, events, NOW, HOLD, 'mark');
    expect(plan.arrivalDisorderMs).toEqual([11_000, 8000, 0]);
  });

  it('with a hold of 0 releases everything at once', () => {
    const plan = planRelease(undefined, [buffered(200, 0), buffered(100, 0)], NOW, 0, 'mark');
    expect(keysOf(plan)).toEqual(['send@100', 'send@200']);
  });
});

describe('release triggers', () => {
  const random = () => 'r';
  it('coalesce per entity within half the hold window', () => {
    const at = 1_000_000_000_000;
    expect(triggerDeduplicationId('conversation/a', at, 5, random)).toBe(triggerDeduplicationId('conversation/a', at + 2000, 5, random));
    expect(triggerDeduplicationId('conversation/a', at, 5, random)).not.toBe(triggerDeduplicationId('conversation/a', at + 2500, 5, random));
    expect(triggerDeduplicationId('conversation/a', at, 5, random)).not.toBe(triggerDeduplicationId('conversation/b', at, 5, random));
  });

  it('never coalesce two sends further apart than the hold (the earlier one would already have run)', () => {
    for (const hold of [1, 5, 60, 900]) {
      const at = 1_234_567_891_234;
      const ids = new Set<string>();
      for (let t = 0; t <= hold * 1000; t += 250) ids.add(triggerDeduplicationId('e', at + t, hold, random));
      // Sends a full hold apart always fall in different buckets.
      expect(triggerDeduplicationId('e', at, hold, random)).not.toBe(triggerDeduplicationId('e', at + hold * 1000, hold, random));
      expect(ids.size).toBeGreaterThanOrEqual(2);
    }
  });

  it('are never coalesced with a hold of 0', () => {
    let n = 0;
    const counter = () => String(++n);
    expect(triggerDeduplicationId('e', 1, 0, counter)).not.toBe(triggerDeduplicationId('e', 1, 0, counter));
  });

  it('fit SQS FIFO limits: group and deduplication ids of at most 128 printable ASCII characters', () => {
    const long = `topic/${'v2.flows.outcomes.'.repeat(40)}`;
    for (const entity of ['conversation/6a1c1d1e-0000-4000-8000-000000000001', long, 'audit/QUEUE/ü-id', 'user/with space']) {
      expect(groupIdFor(entity)).toMatch(/^[\x21-\x7e]{1,128}$/);
      expect(triggerDeduplicationId(entity, 1e12, 5, random)).toMatch(/^[\x21-\x7e]{1,128}$/);
    }
    expect(groupIdFor('conversation/abc')).toBe('conversation/abc');
  });

  it('carry the entity, and a trigger without one is refused by name', () => {
    expect(entityOfTrigger(sqsRecord(JSON.stringify({ entity: 'user/u-1' })))).toBe('user/u-1');
    expect(() => entityOfTrigger(sqsRecord('{}', { messageId: 'm-9' }))).toThrow(/release trigger m-9 has no entity/);
  });

  it('the watermark sorts before every order key, so one Query reads it first', () => {
    expect(WATERMARK_SORT_KEY < buffered(0, 0).orderKey).toBe(true);
  });
});

describe('the ordered feed message', () => {
  it('is the event as the projection stores it plus late, in the body and as filterable attributes', () => {
    const event = buffered(100, 9000);
    const input = feedSendInput('https://feed', toFeedMessage(event, { missedWatermark: '000' }));
    expect(input.MessageGroupId).toBe('conversation/c-1');
    expect(input.MessageDeduplicationId).toBe(event.digest);
    const body = parseFeedMessage(input.MessageBody!);
    expect(body).toMatchObject({ entity: event.entity, aspect: event.aspect, orderKey: event.orderKey, eventId: event.eventId, eventTime: event.eventTime, topicName: event.topicName, late: true, missedWatermark: '000' });
    expect(body.data).toEqual(JSON.parse(event.data));
    expect(input.MessageAttributes?.late?.StringValue).toBe('true');
    expect(input.MessageAttributes?.eventTime).toEqual({ DataType: 'Number', StringValue: String(event.eventTime) });
    expect(Object.keys(input.MessageAttributes ?? {}).length).toBeLessThanOrEqual(10);
    expect(feedSendInput('u', toFeedMessage(event, undefined)).MessageAttributes?.missedWatermark).toBeUndefined();
  });
});

describe('configuration', () => {
  it('is off for the consumer when no buffer table is set', () => {
    expect(readOrderingBufferSettings({})).toBeUndefined();
    expect(readOrderingBufferSettings({ ORDERING_BUFFER_TABLE: 't', ORDERING_RELEASE_QUEUE_URL: 'q', ORDERING_HOLD_SECONDS: '5' })).toEqual({ bufferTable: 't', releaseQueueUrl: 'q', holdSeconds: 5 });
  });

  it('stops on a hold outside 0-900 s or an unknown late policy, naming the fix', () => {
    expect(() => holdSecondsFrom('901')).toThrow(/ORDERING_HOLD_SECONDS=901 must be a whole number of seconds from 0 to 900/);
    expect(() => holdSecondsFrom('2.5')).toThrow(/whole number/);
    expect(() => lateEventPolicyFrom('keep')).toThrow(/ORDERING_LATE_EVENTS=keep must be "mark" .* or "drop"/);
    expect(() => readReleaseSettings({ ORDERING_BUFFER_TABLE: 't' })).toThrow(/ORDERING_RELEASE_QUEUE_URL is not set/);
  });
});
