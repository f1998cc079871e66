// Batch-level idempotency through the consumer's real DynamoDB client against
// the DynamoDB stub (conditional writes, transactions, batch reads and writes
// with DynamoDB's semantics), behind the fault proxy: what a batch writes, in
// which record format, what a duplicate and a failed projection leave behind,
// and two environments on the same content.
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoDbStub, type RunningStub } from '../../scripts/local/dynamodb-stub';
import { idempotencyRecordId } from '../../shared/consumer/batch-idempotency';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { consumerHarness, type ConsumerHarness } from '../fixtures/consumer-harness';
import { conversationEvent, LIMITS, sqsRecord } from '../fixtures/factories';

const FUNCTION = 'consumer-test';
let stub: RunningStub;
let client: DynamoDBClient;
let harnesses: ConsumerHarness[] = [];

beforeAll(async () => {
  stub = await startDynamoDbStub({ latencyMs: 0, sigma: 0 });
  client = new DynamoDBClient({ endpoint: stub.url, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
  const table = (name: string, keys: string[]) =>
    stub.stub.handle('CreateTable', { TableName: name, KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? 'HASH' : 'RANGE' })) });
  table('projection', ['entity', 'aspect']);
  table('idempotency', ['id']);
});
afterAll(async () => {
  client.destroy();
  await stub.close();
});
beforeEach(() => stub.stub.reset());
afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
});

async function environment(rules: Parameters<typeof consumerHarness>[0] = []): Promise<ConsumerHarness> {
  const harness = await consumerHarness(rules, {}, stub.url);
  harnesses.push(harness);
  return harness;
}

/** Requests by operation since `before` (a stats snapshot; the stub's reset would also empty the tables). */
const operations = (before = { operations: {} } as ReturnType<typeof stub.stub.stats>) =>
  Object.fromEntries(
    Object.entries(stub.stub.stats().operations)
      .map(([op, s]) => [op, s.requests - (before.operations[op]?.requests ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
const recordOf = (body: string) => stub.stub.items('idempotency').find((i) => i.id?.S === idempotencyRecordId(FUNCTION, parseGenesysEvent(body, LIMITS).idempotencyKey));
const failedIds = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) => response.batchItemFailures.map((f) => f.itemIdentifier).sort();
const batchOf = (n: number): SQSRecord[] => Array.from({ length: n }, () => sqsRecord(JSON.stringify(conversationEvent())));
/** A copy of the record's event as Genesys resends it: same content, new envelope id. */
const copyOf = (record: SQSRecord): SQSRecord => sqsRecord(JSON.stringify({ ...(JSON.parse(record.body) as object), id: crypto.randomUUID() }));

describe('batch-level idempotency', () => {
  it('a batch of new events: one lookup, one claim transaction, a projection each, one completion write; records in Powertools format', async () => {
    const consumer = await environment();
    const records = batchOf(10);

    const response = await consumer.invoke(records);

    expect(response.batchItemFailures).toEqual([]);
    expect(operations()).toEqual({ BatchGetItem: 1, TransactWriteItems: 1, UpdateItem: 10, BatchWriteItem: 1 });
    expect(stub.stub.items('projection')).toHaveLength(10);
    const stored = recordOf(records[0]!.body)!;
    expect(stored.status).toEqual({ S: 'COMPLETED' });
    expect(stored.data).toEqual({ M: { outcome: { S: 'applied' } } });
    expect(Number(stored.expiration!.N)).toBeGreaterThan(Date.now() / 1000 + 432000 - 60);
  });

  it('copies of events already done are duplicates at the cost of the lookup alone, in another batch or the same one', async () => {
    const consumer = await environment();
    const records = batchOf(5);
    await consumer.invoke(records);
    const before = stub.stub.stats();
    const repeat = [...records.map(copyOf), ...batchOf(2)];
    const repeatResponse = await consumer.invoke([...repeat, copyOf(repeat[5]!)]);

    expect(repeatResponse.batchItemFailures).toEqual([]);
    // Five done before: no write. Two new, one of them twice in the batch: claimed and projected once.
    expect(operations(before)).toEqual({ BatchGetItem: 1, TransactWriteItems: 1, UpdateItem: 2, BatchWriteItem: 1 });
    expect(stub.stub.stats().tables.projection).toMatchObject({ writes: 7, doubleApplied: 0 });
  });

  it('a record Powertools completed is a duplicate here, and a record completed here is one for Powertools', async () => {
    const persistence = () => new DynamoDBPersistenceLayer({ tableName: 'idempotency', awsSdkV3Client: client });
    const [byPowertools, byBatch] = batchOf(2);
    process.env.AWS_LAMBDA_FUNCTION_NAME = FUNCTION;
    try {
      let ran = 0;
      const step = makeIdempotent(async (_e: { idempotencyKey: string }) => ({ outcome: 'applied', attempt: String((ran += 1)) }), {
        persistenceStore: persistence(),
        config: new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey', expiresAfterSeconds: 432000 }),
      });
      await step(parseGenesysEvent(byPowertools!.body, LIMITS));
      expect(recordOf(byPowertools!.body)?.status).toEqual({ S: 'COMPLETED' });

      const consumer = await environment();
      await consumer.invoke([byBatch!]);
      const before = stub.stub.stats().tables.projection!.writes;
      const response = await consumer.invoke([copyOf(byPowertools!)]);
      expect(response.batchItemFailures).toEqual([]);
      expect(stub.stub.stats().tables.projection!.writes).toBe(before);

      // Powertools reads the record written here as completed: its step does not run.
      await step(parseGenesysEvent(byBatch!.body, LIMITS));
      expect(ran).toBe(1);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
  });

  it('a failed projection fails only its record and releases its claim, so the retry projects it (not a duplicate)', async () => {
    const records = batchOf(3);
    const doomed = parseGenesysEvent(records[1]!.body, LIMITS).entity;
    const consumer = await environment([
      { matches: (call) => call.target.endsWith('.UpdateItem') && call.body.includes(doomed), kind: 'server-error', times: 1 },
    ]);

    const first = await consumer.invoke(records);

    expect(failedIds(first)).toEqual([records[1]!.messageId]);
    expect(recordOf(records[1]!.body)).toBeUndefined();
    expect(recordOf(records[0]!.body)?.status).toEqual({ S: 'COMPLETED' });
    const retry = await consumer.invoke([{ ...records[1]!, attributes: { ...records[1]!.attributes, ApproximateReceiveCount: '2' } }]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(stub.stub.items('projection').map((i) => i.entity!.S)).toContain(doomed);
    expect(recordOf(records[1]!.body)?.data).toEqual({ M: { outcome: { S: 'applied' } } });
  });

  it('a key another invocation holds fails its record with the in-progress hold; a lock past its time is claimed', async () => {
    const [held, abandoned, free] = batchOf(3);
    const lock = async (record: SQSRecord, lockedUntilMs: number) =>
      client.send(
        new PutItemCommand({
          TableName: 'idempotency',
          Item: {
            id: { S: idempotencyRecordId(FUNCTION, parseGenesysEvent(record.body, LIMITS).idempotencyKey) },
            status: { S: 'INPROGRESS' },
            expiration: { N: String(Math.round(Date.now() / 1000) + 3600) },
            in_progress_expiration: { N: String(lockedUntilMs) },
          },
        }),
      );
    await lock(held!, Date.now() + 60_000);
    await lock(abandoned!, Date.now() - 1);
    const consumer = await environment();

    const response = await consumer.invoke([held!, abandoned!, free!]);

    expect(failedIds(response)).toEqual([held!.messageId]);
    expect(consumer.visibility().get(held!.receiptHandle)).toBe(2);
    expect(consumer.warnings.at(-1)?.extra).toMatchObject({ holds: { 'in-progress': 1 } });
    expect(recordOf(abandoned!.body)?.status).toEqual({ S: 'COMPLETED' });
    expect(stub.stub.stats().tables.projection).toMatchObject({ writes: 2, doubleApplied: 0 });
  });

  it('claims written by a call whose answer was lost are taken over by the retry of the same message at once; a copy still waits', async () => {
    const records = batchOf(3);
    const consumer = await environment([{ matches: (call) => call.target.endsWith('.TransactWriteItems'), kind: 'lost-answer', times: 1 }]);

    const first = await consumer.invoke(records);

    // The claims took effect, the answer never came: every record of the batch fails, its claim left INPROGRESS with the whole lock.
    expect(failedIds(first)).toEqual(records.map((r) => r.messageId).sort());
    for (const record of records) expect(recordOf(record.body)).toMatchObject({ status: { S: 'INPROGRESS' }, claim_owner: { S: record.messageId } });
    expect(stub.stub.items('projection')).toHaveLength(0);

    // A copy Genesys sent of one of them (another message) waits for the holder.
    const copy = await consumer.invoke([copyOf(records[0]!)]);
    expect(copy.batchItemFailures).toHaveLength(1);
    expect(consumer.warnings.at(-1)?.extra).toMatchObject({ holds: { 'in-progress': 1 } });

    // The retry of the same messages does not wait out the lock.
    const retry = await consumer.invoke(records.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } })));
    expect(retry.batchItemFailures).toEqual([]);
    expect(stub.stub.stats().tables.projection).toMatchObject({ writes: 3, doubleApplied: 0 });
    for (const record of records) expect(recordOf(record.body)?.status).toEqual({ S: 'COMPLETED' });
  });

  it('records a slow store keeps past the deadline fail alone, held 1 s; the rest of the batch is done and its retry takes over the claims', async () => {
    const records = batchOf(4);
    const slowEntity = parseGenesysEvent(records[2]!.body, LIMITS).entity;
    const consumer = await environment([{ matches: (call) => call.target.endsWith('.UpdateItem') && call.body.includes(slowEntity), kind: 'slow', delayMs: 2_500, times: 1 }]);

    // A 2 s function timeout keeps 0.5 s to report: the slow projection is still in flight at the deadline.
    const first = await consumer.invoke(records, 2_000);

    expect(failedIds(first)).toEqual([records[2]!.messageId]);
    expect(consumer.visibility().get(records[2]!.receiptHandle)).toBe(1);
    expect(consumer.warnings.at(-1)?.extra).toMatchObject({ holds: { deadline: 1 } });
    for (const i of [0, 1, 3]) expect(recordOf(records[i]!.body)?.status).toEqual({ S: 'COMPLETED' });
    const retry = await consumer.invoke([{ ...records[2]!, attributes: { ...records[2]!.attributes, ApproximateReceiveCount: '2' } }]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(stub.stub.items('projection').map((i) => i.entity!.S)).toContain(slowEntity);
    expect(stub.stub.stats().tables.projection).toMatchObject({ doubleApplied: 0 });
  });

  it('two environments on the same events at once: each event projected once, every copy handled or retried', async () => {
    const [one, two] = [await environment(), await environment()];
    const records = batchOf(10);
    const copies = records.map(copyOf);

    const [a, b] = await Promise.all([one.invoke(records), two.invoke(copies)]);

    expect(stub.stub.stats().tables.projection).toMatchObject({ writes: 10, doubleApplied: 0 });
    // A copy that lost the claim race is either a duplicate or held in progress and retried.
    const retried = [...a.batchItemFailures, ...b.batchItemFailures].map((f) => f.itemIdentifier);
    const byId = new Map([...records, ...copies].map((r) => [r.messageId, r]));
    const retry = await one.invoke(retried.map((id) => byId.get(id)!));
    expect(retry.batchItemFailures).toEqual([]);
    expect(stub.stub.stats().tables.projection).toMatchObject({ writes: 10, doubleApplied: 0 });
    for (const record of records) expect(recordOf(record.body)?.status).toEqual({ S: 'COMPLETED' });
    const read = await client.send(new GetItemCommand({ TableName: 'idempotency', Key: { id: { S: idempotencyRecordId(FUNCTION, parseGenesysEvent(records[0]!.body, LIMITS).idempotencyKey) } } }));
    expect(read.Item?.status?.S).toBe('COMPLETED');
  });
});
