// The consumer under store faults, through its real DynamoDB client: the
// circuit breaker's fail-fast (no DynamoDB call while open, records failed and
// held), its half-open probe, and the retry hints a failure carries.
import { afterEach, describe, expect, it } from 'vitest';
import { sqsRecord, conversationEvent } from '../fixtures/factories';
import { consumerHarness, type ConsumerHarness } from '../fixtures/consumer-harness';

const everyCall = () => true;
const validRecords = (n: number, receiveCount = 1) =>
  Array.from({ length: n }, () => sqsRecord(JSON.stringify(conversationEvent({ eventTime: Date.now() - 60_000 })), { receiveCount }));
const failedIds = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) => response.batchItemFailures.map((f) => f.itemIdentifier).sort();

let harness: ConsumerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('circuit breaker around the projection store', () => {
  it('opens under store failures; then a batch fails fast: every record failed and held, no DynamoDB call', async () => {
    harness = await consumerHarness([{ matches: everyCall, kind: 'server-error' }], { BREAKER_HALF_OPEN_AFTER_SECONDS: '30' });

    const first = validRecords(10);
    const firstResponse = await harness.invoke(first);
    expect(failedIds(firstResponse)).toEqual(first.map((r) => r.messageId).sort());
    // One call for the batch (the idempotency lookup of its ten keys), whose
    // failure fails each record: the breaker judges ten failed records and opens.
    const callsWhenOpened = harness.dynamoDbCalls();
    expect(callsWhenOpened).toBe(1);
    expect(harness.warnings.find((w) => w.message === 'projection store circuit breaker changed state')?.extra).toMatchObject({
      state: 'open',
      transitions: { open: 1 },
    });

    const second = validRecords(10, 3);
    const secondResponse = await harness.invoke(second);
    expect(failedIds(secondResponse)).toEqual(second.map((r) => r.messageId).sort());
    expect(harness.dynamoDbCalls()).toBe(callsWhenOpened);
    // Held for the open circuit: half-open delay x 3^(receives-1) = 30 x 9, capped at 300.
    const held = harness.visibility();
    expect(second.map((r) => held.get(r.receiptHandle))).toEqual(second.map(() => 270));
    expect(harness.warnings.filter((w) => w.message === 'records failed, will retry').at(-1)?.extra).toMatchObject({
      breaker: 'open',
      holds: { 'circuit-open': 10 },
    });
  });

  it('after the half-open delay exactly one record probes the store; the rest still fail fast', async () => {
    harness = await consumerHarness([{ matches: everyCall, kind: 'server-error' }], { BREAKER_HALF_OPEN_AFTER_SECONDS: '1' });
    await harness.invoke(validRecords(10));
    const callsWhenOpened = harness.dynamoDbCalls();
    await new Promise((r) => setTimeout(r, 1100));

    const response = await harness.invoke(validRecords(10));

    expect(response.batchItemFailures).toHaveLength(10);
    expect(harness.dynamoDbCalls()).toBe(callsWhenOpened + 1);
    const states = harness.warnings.filter((w) => w.message === 'projection store circuit breaker changed state').map((w) => (w.extra as { state: string }).state);
    expect(states).toEqual(['open', 'half-open', 'open']);
  });

  it('poison in a batch is dead-lettered with its reason while the valid records fail and are held', async () => {
    harness = await consumerHarness([{ matches: everyCall, kind: 'server-error' }]);
    const poison = [sqsRecord('not json'), sqsRecord('{"hello":"world"}'), sqsRecord(JSON.stringify({ ...conversationEvent(), detail: 'x' }))];
    const valid = validRecords(2);

    const response = await harness.invoke([...poison, ...valid]);

    expect(failedIds(response)).toEqual(valid.map((r) => r.messageId).sort());
    expect(harness.deadLettered().sort()).toEqual(['invalid-json', 'missing-detail', 'not-an-event']);
  });
});

describe('retry hints from the downstream', () => {
  it("a throttled call (DynamoDB ThrottlingException) holds the record for at least half the backoff ceiling", async () => {
    harness = await consumerHarness([{ matches: everyCall, kind: 'throttle' }]);
    const records = validRecords(1, 4); // ceiling 2 x 2^3 = 16 s
    await harness.invoke(records);
    const seconds = harness.visibility().get(records[0]!.receiptHandle)!;
    expect(seconds).toBeGreaterThanOrEqual(8);
    expect(seconds).toBeLessThanOrEqual(16);
  });

  it("the downstream's Retry-After wins over the computed delay", async () => {
    harness = await consumerHarness([{ matches: everyCall, kind: 'throttle', retryAfterSeconds: 42 }]);
    const records = validRecords(1, 1);
    await harness.invoke(records);
    expect(harness.visibility().get(records[0]!.receiptHandle)).toBe(42);
  });

  it('a plain transient failure gets full jitter within the ceiling', async () => {
    harness = await consumerHarness([{ matches: everyCall, kind: 'server-error' }]);
    const records = validRecords(1, 2); // ceiling 4 s
    await harness.invoke(records);
    const seconds = harness.visibility().get(records[0]!.receiptHandle)!;
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds).toBeLessThanOrEqual(4);
  });
});
