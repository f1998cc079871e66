// The event path on the local AWS, through the consumer bundle that ships:
// EventBridge rules → SQS buffer → local event source mapping → DynamoDB.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateBurst } from '../../scripts/lib/event-generator';
import { buildOracle, countDoubleApplied, verifyProjection } from '../../scripts/lib/oracle';
import { seededRandom, shuffleInPlace } from '../../scripts/lib/random';
import { replayLines } from '../../scripts/lib/replay';
import type { LocalStack } from '../../scripts/local/provision';
import { documentClient } from '../../shared/aws/clients';
import { readEntityItems, toEntityView } from '../../shared/projection/read-entity';
import { auditEvent, conversationEvent, presenceEvent, routingQueueEvent, unknownTopicEvent } from '../fixtures/factories';
import { drainForInspection } from './dlq';
import { QUICK, freshStack } from './local-aws';

let stack: LocalStack;
beforeEach(async () => {
  stack = await freshStack();
});

const limitsOf = (s: LocalStack) => ({ maxEventBytes: s.spec.defaults.max_event_bytes, maxFutureSkewMs: s.spec.defaults.event_future_skew_seconds * 1000 });
/** Stream records of the projection table (one per applied write, as DynamoDB Streams keeps them). */
const projectionStreamLength = async (s: LocalStack) => (await countDoubleApplied(new DynamoDBClient({}), s.projectionTable)).writes;
const entity = async (key: string) => toEntityView(key, await readEntityItems(documentClient(), stack.projectionTable, key));

describe('routing', () => {
  it('delivers each published event to the buffer exactly once, whatever its topic family', async () => {
    const events = [conversationEvent(), auditEvent(), presenceEvent(), routingQueueEvent(), unknownTopicEvent()];
    await new EventBridgeClient({}).send(
      new PutEventsCommand({
        Entries: events.map((e) => ({ EventBusName: stack.busName, Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail) })),
      }),
    );
    const sqs = new SQSClient({});
    const received: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.bufferQueueUrl, MaxNumberOfMessages: 10 }));
      received.push(...Messages.map((m) => (JSON.parse(m.Body!) as { 'detail-type': string })['detail-type']));
    }
    expect(received.sort()).toEqual(events.map((e) => e['detail-type']).sort());
  });
});

describe('convergence', () => {
  it('three shuffled copies of every event (new envelope ids) converge to the oracle, nothing lost or applied twice', async () => {
    const burst = generateBurst({ count: 300, entities: 20, duplicateRatio: 0, poisonRatio: 0, unknownTopicRatio: 0.05, seed: 11, now: Date.now() });
    const lines: string[] = [];
    for (const line of burst.lines) {
      for (let copy = 0; copy < 3; copy++) lines.push(JSON.stringify({ ...JSON.parse(line), id: randomUUID() }));
    }
    shuffleInPlace(seededRandom(5), lines);

    const summary = await replayLines(stack, lines, QUICK);
    const verdict = await verifyProjection(new DynamoDBClient({}), stack.projectionTable, buildOracle(lines, limitsOf(stack)));

    expect(verdict).toMatchObject({ lost: 0, doubleApplied: 0, mismatched: 0, unexpected: 0, matches: true });
    expect(verdict.storedItems).toBe(verdict.expectedItems);
    expect(summary.projected + summary.stale + summary.duplicates).toBe(900);
    expect(summary.duplicates).toBeGreaterThanOrEqual(600 - summary.retriedAttempts);
    expect(summary.deadLettered).toEqual({});
  });

  it('the newest event wins even when it arrives first', async () => {
    const conversationId = randomUUID();
    const newest = conversationEvent({ conversationId, participantId: 'p', suffix: 'acw', eventTime: Date.now() - 1000 });
    const older = conversationEvent({ conversationId, participantId: 'p', suffix: 'acw', eventTime: Date.now() - 60_000 });
    await replayLines(stack, [JSON.stringify(newest)], QUICK);
    const summary = await replayLines(stack, [JSON.stringify(older)], QUICK);
    expect(summary.stale).toBe(1);
    const view = await entity(`conversation/${conversationId}`);
    expect(view?.aspects['p/acw']?.eventTime).toBe(newest.detail.eventBody.eventTime);
    expect(view?.aspects['p/acw']?.correlationId).toBe(newest.detail.metadata.CorrelationId);
  });
});

describe('bad input', () => {
  it('dead-letters poison with its reason as attributes and projects the rest of the batch', async () => {
    const conversationId = randomUUID();
    const valid = Array.from({ length: 7 }, (_, i) => conversationEvent({ conversationId, participantId: `p${i}`, eventTime: Date.now() - 10_000 }));
    const future = conversationEvent({ conversationId, participantId: 'future', eventTime: Date.now() + 86_400_000 });
    const missingDetail = { ...conversationEvent(), detail: undefined };
    const lines = [...valid.map((e) => JSON.stringify(e)), '{"version":"0","id":"broken', JSON.stringify(missingDetail), JSON.stringify(future)];

    const summary = await replayLines(stack, lines, { ...QUICK, settings: { batchingWindowMs: 2000 } });

    expect(summary.deadLettered).toEqual({ 'invalid-json': 1, 'missing-detail': 1, 'event-time-in-future': 1 });
    expect(summary.projected).toBe(7);
    const dlq = await drainForInspection(stack.bufferDlqUrl);
    expect(dlq.map((m) => m.MessageAttributes?.errorClass?.StringValue).sort()).toEqual(['event-time-in-future', 'invalid-json', 'missing-detail']);
    for (const message of dlq) {
      expect(message.MessageAttributes?.errorMessage?.StringValue).toBeTruthy();
      expect(message.MessageAttributes?.failedFunction?.StringValue).toBe('genesys-events-consumer');
      expect(message.MessageAttributes?.receiveCount?.StringValue).toBe('1');
      expect(message.MessageAttributes?.firstSeen?.StringValue).toMatch(/^\d{4}-/);
    }
    expect(dlq.find((m) => m.MessageAttributes?.errorClass?.StringValue === 'invalid-json')?.Body).toBe('{"version":"0","id":"broken');
    const view = await entity(`conversation/${conversationId}`);
    expect(Object.keys(view?.aspects ?? {}).sort()).toEqual(valid.map((_, i) => `p${i}/customer.start`).sort());
  });

  it('stores an unknown topic under topic/<topicName>, every event kept, instead of failing', async () => {
    const topicName = `v2.flows.outcomes.${randomUUID()}`;
    const summary = await replayLines(stack, [JSON.stringify(unknownTopicEvent({ topicName })), JSON.stringify(unknownTopicEvent({ topicName, timestampMs: Date.now() - 1000 }))], QUICK);
    expect(summary.projected).toBe(2);
    const view = await entity(`topic/${topicName}`);
    const aspects = Object.keys(view?.aspects ?? {});
    expect(aspects).toHaveLength(2);
    expect(aspects.every((a) => a.startsWith('event/'))).toBe(true);
    expect(view?.aspects[aspects[0]!]?.data).toEqual({ value: 1, brandNew: { field: true } });
  });
});

describe('the local AWS', () => {
  it('a cancelled TransactWriteItems leaves every item it targeted, and the stream, as they were (moto_server.py keeps only those for its rollback)', async () => {
    const dynamoDb = new DynamoDBClient({});
    const entityKey = `conversation/${randomUUID()}`;
    const [kept, claimed] = [randomUUID(), randomUUID()];
    await dynamoDb.send(new PutItemCommand({ TableName: stack.idempotencyTable, Item: { id: { S: kept }, status: { S: 'COMPLETED' } } }));
    await dynamoDb.send(new PutItemCommand({ TableName: stack.projectionTable, Item: { entity: { S: entityKey }, aspect: { S: 'state' }, v: { N: '1' } } }));
    const streamBefore = await projectionStreamLength(stack);

    const cancelled = dynamoDb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: stack.idempotencyTable, Item: { id: { S: claimed }, status: { S: 'INPROGRESS' } }, ConditionExpression: 'attribute_not_exists(id)' } },
          { Update: { TableName: stack.projectionTable, Key: { entity: { S: entityKey }, aspect: { S: 'state' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } } },
          { Put: { TableName: stack.projectionTable, Item: { entity: { S: entityKey }, aspect: { S: 'other' } } } },
          { Put: { TableName: stack.idempotencyTable, Item: { id: { S: kept }, status: { S: 'INPROGRESS' } }, ConditionExpression: 'attribute_not_exists(id)' } },
        ],
      }),
    );

    await expect(cancelled).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const get = (TableName: string, Key: Record<string, { S: string }>) => dynamoDb.send(new GetItemCommand({ TableName, Key, ConsistentRead: true })).then((r) => r.Item);
    expect(await get(stack.idempotencyTable, { id: { S: claimed } })).toBeUndefined();
    expect((await get(stack.idempotencyTable, { id: { S: kept } }))?.status).toEqual({ S: 'COMPLETED' });
    expect((await get(stack.projectionTable, { entity: { S: entityKey }, aspect: { S: 'state' } }))?.v).toEqual({ N: '1' });
    expect(await get(stack.projectionTable, { entity: { S: entityKey }, aspect: { S: 'other' } })).toBeUndefined();
    expect(await projectionStreamLength(stack)).toBe(streamBefore);
  });
});

describe('entity keys per family', () => {
  it('projects presence, audits and queue membership under the documented keys', async () => {
    const userId = randomUUID();
    const conversationId = randomUUID();
    const queueId = randomUUID();
    const entityId = randomUUID();
    await replayLines(
      stack,
      [
        JSON.stringify(presenceEvent({ userId, status: 'ON_QUEUE' })),
        JSON.stringify(routingQueueEvent({ queueId, conversationId })),
        JSON.stringify(auditEvent({ entityType: 'USER', entityId })),
      ],
      QUICK,
    );
    expect((await entity(`user/${userId}`))?.aspects.presence?.data).toMatchObject({ presenceDefinition: { systemPresence: 'ON_QUEUE' } });
    expect(Object.keys((await entity(`conversation/${conversationId}`))?.aspects ?? {})).toEqual([`queue/${queueId}`]);
    expect((await entity(`audit/USER/${entityId}`))?.aspects.audit).toBeDefined();
  });
});
