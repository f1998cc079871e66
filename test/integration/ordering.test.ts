// The ordering buffer on the local AWS, through the bundles that ship: the
// consumer buffers and triggers, the release function (FIFO mapping over the
// release queue) sends to the ordered feed. What a downstream would notice:
// the feed's order per entity, late marks, every accepted event exactly once,
// and what the buffer costs in DynamoDB writes.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { readFeed } from '../../scripts/lib/feed';
import { seededRandom, shuffleInPlace } from '../../scripts/lib/random';
import { replayLines } from '../../scripts/lib/replay';
import { startFaultProxy, type FaultProxy } from '../../scripts/local/fault-proxy';
import { releaseEnvironment, type LocalStack } from '../../scripts/local/provision';
import { documentClient, sqsClient } from '../../shared/aws/clients';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { bufferEvent } from '../../shared/ordering/buffer';
import { readReleaseSettings } from '../../shared/ordering/config';
import type { FeedMessage } from '../../shared/ordering/feed-message';
import { releaseEntity } from '../../shared/ordering/release';
import { readEntityItems } from '../../shared/projection/read-entity';
import { conversationEvent } from '../fixtures/factories';
import { QUICK, freshStack } from './local-aws';

const T0 = Date.now() - 3600_000;
const limitsOf = (s: LocalStack) => ({ maxEventBytes: s.spec.defaults.max_event_bytes, maxFutureSkewMs: s.spec.defaults.event_future_skew_seconds * 1000 });

/** `n` phases of one conversation, each its own aspect, at increasing event times (some sharing a participant/aspect, so some are stale for the projection). */
function conversationPhases(conversationId: string, n: number, startOffsetMs = 0) {
  const suffixes = ['customer.start', 'acd.start', 'user.start', 'acw', 'customer.end'];
  return Array.from({ length: n }, (_, i) =>
    conversationEvent({
      conversationId,
      // Six aspects: a later phase of the same aspect makes an earlier one stale for the projection.
      participantId: `p-${i % 2}`,
      suffix: suffixes[i % 3]!,
      eventTime: T0 + startOffsetMs + i * 1000,
      correlationId: `${conversationId}-${i}`,
    }),
  );
}

const feedOf = (stack: LocalStack) => readFeed(new SQSClient({}), stack.ordering!.feedQueueUrl);

function byEntity(feed: FeedMessage[]): Map<string, FeedMessage[]> {
  const out = new Map<string, FeedMessage[]>();
  for (const m of feed) out.set(m.entity, [...(out.get(m.entity) ?? []), m]);
  return out;
}

const sortedKeys = (lines: string[], stack: LocalStack, entity: string) =>
  [...new Set(lines.map((l) => parseGenesysEvent(l, limitsOf(stack))).filter((e) => e.entity === entity).map((e) => e.orderKey))].sort();

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('ordering buffer: arrivals shuffled within the hold window', () => {
  it('reach the feed in perfect order per entity, none late, every accepted event once (duplicates and stale events included once)', async () => {
    // 30 arrivals take a few seconds to consume even on a busy machine: well inside a 10 s window.
    const stack = await freshStack({ enabled: true, holdSeconds: 10, lateEvents: 'mark' });
    const conversations = Array.from({ length: 3 }, () => randomUUID());
    const originals = conversations.flatMap((id) => conversationPhases(id, 8)).map((e) => JSON.stringify(e));
    // Genesys resends some under new envelope ids: the same content, accepted once.
    const lines = [...originals, ...originals.filter((_, i) => i % 4 === 0).map((l) => JSON.stringify({ ...JSON.parse(l), id: randomUUID() }))];
    shuffleInPlace(seededRandom(7), lines);

    const summary = await replayLines(stack, lines, QUICK);
    const feed = await feedOf(stack);

    expect(summary.stale).toBeGreaterThan(0);
    expect(feed.filter((m) => m.late)).toEqual([]);
    expect(feed).toHaveLength(originals.length);
    for (const id of conversations) {
      const entity = `conversation/${id}`;
      expect(byEntity(feed).get(entity)!.map((m) => m.orderKey)).toEqual(sortedKeys(lines, stack, entity));
    }
    expect(summary.ordering).toMatchObject({ late: 0, droppedLate: 0, released: originals.length });
    expect(summary.ordering!.maxArrivalDisorderMs).toBeLessThan(10_000);
  });
});

describe('ordering buffer: an event arriving after a later one was released', () => {
  const scenario = async (lateEvents: 'mark' | 'drop') => {
    const stack = await freshStack({ enabled: true, holdSeconds: 1, lateEvents });
    const conversationId = randomUUID();
    const [a, b, c] = conversationPhases(conversationId, 3).map((e) => JSON.stringify(e));
    const first = await replayLines(stack, [c!, a!], QUICK);
    expect(first.ordering).toMatchObject({ released: 2, late: 0 });
    const second = await replayLines(stack, [b!], QUICK);
    return { stack, second, feed: await feedOf(stack), keys: sortedKeys([a!, b!, c!], stack, `conversation/${conversationId}`), entity: `conversation/${conversationId}` };
  };

  it('is released marked late with the watermark it missed (ordering_late_events = mark)', async () => {
    const { second, feed, keys } = await scenario('mark');
    const [a, b, c] = keys;
    expect(feed.map((m) => [m.orderKey, m.late])).toEqual([
      [a, false],
      [c, false],
      [b, true],
    ]);
    expect(feed[2]!.missedWatermark).toBe(c);
    expect(second.ordering).toMatchObject({ late: 1, released: 0 });
  });

  it('is counted and kept in the projection only (ordering_late_events = drop)', async () => {
    const { stack, second, feed, keys, entity } = await scenario('drop');
    const [a, b, c] = keys;
    expect(feed.map((m) => m.orderKey)).toEqual([a, c]);
    expect(second.ordering).toMatchObject({ droppedLate: 1, late: 0 });
    const projected = await readEntityItems(documentClient(), stack.projectionTable, entity);
    expect(projected.map((item) => item.orderKey)).toContain(b);
  });
});

describe('ordering buffer: a release that dies part-way', () => {
  it('through the bundle: the watermark update fails after the feed sends; the retried run resends, FIFO deduplication absorbs the copies', async () => {
    const stack = await freshStack({ enabled: true, holdSeconds: 1, lateEvents: 'mark' });
    // Retry the failed trigger after 2 s, not 6x the function timeout.
    await new SQSClient({}).send(new SetQueueAttributesCommand({ QueueUrl: stack.ordering!.releaseQueueUrl, Attributes: { VisibilityTimeout: '2' } }));
    proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, [
      // The SDK makes 3 attempts: the first release run fails after its feed sends.
      { matches: ({ target, body }) => target.endsWith('.UpdateItem') && body.includes('"#w"'), kind: 'server-error', times: 3 },
    ]);
    const conversationId = randomUUID();
    const lines = conversationPhases(conversationId, 25).map((e) => JSON.stringify(e));
    shuffleInPlace(seededRandom(3), lines);

    const summary = await replayLines(stack, lines, { ...QUICK, releaseEnv: { AWS_ENDPOINT_URL_DYNAMODB: proxy.url } });
    const feed = await feedOf(stack);

    expect(proxy.injected).toEqual([3]);
    expect(feed.map((m) => m.orderKey)).toEqual(sortedKeys(lines, stack, `conversation/${conversationId}`));
    expect(feed.filter((m) => m.late)).toEqual([]);
    expect(summary.ordering!.released).toBe(25);
  });

  it.each([
    ['after the first feed batch', { afterBatch: 1 }],
    ['after the last feed batch, before the watermark update', { afterBatch: 3 }],
    ['after the watermark update, before the deletes', { afterWatermark: true }],
  ])('killed %s: the next run loses nothing, reorders nothing, and the feed holds each event once', async (_when, kill: { afterBatch?: number; afterWatermark?: boolean }) => {
    const stack = await freshStack({ enabled: true, holdSeconds: 1, lateEvents: 'mark' });
    const settings = readReleaseSettings(releaseEnvironment(stack));
    const client = documentClient();
    const conversationId = randomUUID();
    const entity = `conversation/${conversationId}`;
    const lines = conversationPhases(conversationId, 25).map((e) => JSON.stringify(e));
    shuffleInPlace(seededRandom(kill.afterBatch ?? 9), lines);
    for (const line of lines) await bufferEvent(client, settings.bufferTable, parseGenesysEvent(line, limitsOf(stack)), Date.now() - 10_000);

    let batches = 0;
    let sends = 0;
    const countSends = (events: unknown[]) => void (sends += events.length);
    const dies = releaseEntity(
      {
        client,
        sqs: sqsClient(),
        settings,
        afterSend: (events) => {
          countSends(events);
          if (++batches === kill.afterBatch) throw new Error('killed');
        },
        afterWatermark: () => {
          if (kill.afterWatermark) throw new Error('killed');
        },
      },
      entity,
    );
    await expect(dies).rejects.toThrow('killed');
    const retried = await releaseEntity({ client, sqs: sqsClient(), settings, afterSend: countSends }, entity);
    const feed = await feedOf(stack);

    expect(feed.map((m) => m.orderKey)).toEqual(sortedKeys(lines, stack, entity));
    expect(feed.filter((m) => m.late)).toEqual([]);
    if (kill.afterWatermark) {
      // Everything was sent and the watermark moved; the next run only deletes what was left.
      expect(sends).toBe(25);
      expect(retried).toMatchObject({ released: 0, late: 0, droppedReleased: 25 });
    } else {
      // Sent more than once, stored once: SQS FIFO dropped the copies (same deduplication id).
      expect(sends).toBe(Math.min(kill.afterBatch! * 10, 25) + 25);
      expect(retried).toMatchObject({ released: 25, late: 0 });
    }
    // A third run finds nothing left.
    expect(await releaseEntity({ client, sqs: sqsClient(), settings }, entity)).toMatchObject({ released: 0, late: 0, droppedReleased: 0, waiting: 0 });
  });
});

describe('ordering buffer: what it costs', () => {
  /** DynamoDB calls of the consumer and the release, by operation and table, counted at a pass-through proxy. */
  async function countedReplay(enabled: boolean, lines: string[]) {
    const stack = await freshStack({ enabled, holdSeconds: 1, lateEvents: 'mark' });
    const calls = new Map<string, number>();
    proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, [
      {
        matches: ({ target, body }) => {
          const op = target.split('.').pop() ?? '?';
          const table = /"TableName":"([^"]+)"/.exec(body)?.[1] ?? (op === 'BatchWriteItem' ? /"RequestItems":\{"([^"]+)"/.exec(body)?.[1] : '?');
          const key = `${op} ${table}`;
          calls.set(key, (calls.get(key) ?? 0) + 1);
          return false;
        },
        kind: 'server-error',
      },
    ]);
    const summary = await replayLines(stack, lines, { ...QUICK, consumerEnv: { ...QUICK.consumerEnv, AWS_ENDPOINT_URL_DYNAMODB: proxy.url } });
    const tables = (await new DynamoDBClient({}).send(new ListTablesCommand({}))).TableNames ?? [];
    await proxy.close();
    proxy = undefined;
    return { stack, summary, calls, tables };
  }

  it('off: no buffer table, no buffer write; on: one PutItem per accepted event (figures printed)', async () => {
    const conversations = Array.from({ length: 5 }, () => randomUUID());
    const originals = conversations.flatMap((id) => conversationPhases(id, 20)).map((e) => JSON.stringify(e));
    const lines = [...originals, ...originals.filter((_, i) => i % 10 === 0).map((l) => JSON.stringify({ ...JSON.parse(l), id: randomUUID() }))];
    shuffleInPlace(seededRandom(9), lines);

    const off = await countedReplay(false, lines);
    const on = await countedReplay(true, lines);
    const writes = (calls: Map<string, number>, table?: string) =>
      [...calls].filter(([k]) => /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem) /.test(k) && (table === undefined || k.endsWith(` ${table}`))).reduce((n, [, v]) => n + v, 0);
    const buffer = on.stack.ordering!.bufferTable;
    const consumerWrites = (calls: Map<string, number>) => writes(calls) - writes(calls, buffer) + (calls.get(`PutItem ${buffer}`) ?? 0);

    expect(off.tables).not.toContain(buffer);
    expect([...off.calls.keys()].filter((k) => k.includes('ordering'))).toEqual([]);
    // One conditional PutItem per accepted event; a retried record or an SDK retry on a busy machine adds a few (the condition keeps the first).
    expect(on.calls.get(`PutItem ${buffer}`)).toBeGreaterThanOrEqual(originals.length);
    expect(on.calls.get(`PutItem ${buffer}`)).toBeLessThan(originals.length * 1.1);
    // With a 1 s hold on a busy machine some arrive late: every accepted event is on the feed once either way.
    expect(on.summary.ordering!.released + on.summary.ordering!.late).toBe(originals.length);
    const perEvent = (n: number) => (n / lines.length).toFixed(2);
    console.log(
      `ordering cost, ${lines.length} events (${originals.length} accepted, ${lines.length - originals.length} duplicates): ` +
        `consumer DynamoDB writes/event off ${perEvent(consumerWrites(off.calls))}, on ${perEvent(consumerWrites(on.calls))} ` +
        `(+${perEvent(on.calls.get(`PutItem ${buffer}`) ?? 0)} buffer PutItem); ` +
        `release calls per event: Query ${perEvent(on.calls.get(`Query ${buffer}`) ?? 0)}, watermark UpdateItem ${perEvent(on.calls.get(`UpdateItem ${buffer}`) ?? 0)}, BatchWriteItem (deletes) ${perEvent(on.calls.get(`BatchWriteItem ${buffer}`) ?? 0)}; ` +
        `calls off ${JSON.stringify(Object.fromEntries(off.calls))}, on ${JSON.stringify(Object.fromEntries(on.calls))}`,
    );
  });
});
