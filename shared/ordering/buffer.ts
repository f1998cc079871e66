// The consumer's side of the ordering buffer (design §3, "Ordering buffer"):
// each accepted event is written to the buffer table (partition = entity,
// sort = order key), and after the batch one release trigger per entity goes
// to the release queue, an SQS FIFO queue whose queue-level delay is the hold
// window.
//
// "Accepted" = valid and not a duplicate of content already handled: the
// write runs inside the consumer's idempotent step, after the projection, so
// Powertools idempotency (keyed on the content digest) lets each content in
// once. An event that is stale for the last-write-wins projection is still
// buffered: it is a transition that happened, and a downstream that reacts to
// transitions needs it, in its place if it arrived within the window or
// marked late if not.
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GenesysEvent } from '../genesys/event';
import type { ProjectionItem } from '../projection/project-event';
import type { OrderingBufferSettings } from './config';
import { BUFFER_TTL_SECONDS, groupIdFor, triggerDeduplicationId } from './keys';

/** A buffered event: what the projection stores for it (the body as JSON text), plus when it arrived. */
export type BufferedEvent = Omit<ProjectionItem, 'projectedAt'> & {
  /** Epoch ms when the consumer buffered it: the hold window runs from here (replayed history has old event times). */
  arrivedAt: number;
  /** DynamoDB TTL, epoch seconds: a safety net, the release deletes what it sent. */
  expiresAt: number;
};

export function toBufferedEvent(event: GenesysEvent, arrivedAt: number): BufferedEvent {
  return {
    entity: event.entity,
    orderKey: event.orderKey,
    aspect: event.aspect,
    eventId: event.eventId,
    eventTime: event.eventTimeMs,
    detailTimestamp: event.detailTimestampMs,
    digest: event.digest,
    topicName: event.topicName,
    detailType: event.detailType,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    data: JSON.stringify(event.eventBody),
    arrivedAt,
    expiresAt: Math.floor(arrivedAt / 1000) + BUFFER_TTL_SECONDS,
  };
}

/**
 * One conditional PutItem. The condition keeps the first arrival time when a
 * retried record writes the same content again (same entity, same order key),
 * so a retry does not restart the item's hold.
 */
export async function bufferEvent(client: DynamoDBDocumentClient, tableName: string, event: GenesysEvent, now: number): Promise<void> {
  try {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: toBufferedEvent(event, now),
        ConditionExpression: 'attribute_not_exists(#orderKey)',
        ExpressionAttributeNames: { '#orderKey': 'orderKey' },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return;
    throw error;
  }
}

const SQS_MAX_BATCH = 10;

/**
 * Sends one release trigger per entity (SendMessageBatch, 10 a call) and
 * returns the entities whose trigger SQS did not take: their records must be
 * retried, or their buffered events would wait for a trigger that never comes.
 */
export async function sendReleaseTriggers(
  sqs: SQSClient,
  settings: Pick<OrderingBufferSettings, 'releaseQueueUrl' | 'holdSeconds'>,
  entities: Iterable<string>,
  now: number = Date.now(),
): Promise<Set<string>> {
  const distinct = [...new Set(entities)];
  const failed = new Set<string>();
  for (let i = 0; i < distinct.length; i += SQS_MAX_BATCH) {
    const chunk = distinct.slice(i, i + SQS_MAX_BATCH);
    try {
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: settings.releaseQueueUrl,
          // No DelaySeconds: a FIFO queue only takes the queue-level delay, which is the hold window.
          Entries: chunk.map((entity, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify({ entity }),
            MessageGroupId: groupIdFor(entity),
            MessageDeduplicationId: triggerDeduplicationId(entity, now, settings.holdSeconds, randomUUID),
          })),
        }),
      );
      for (const failure of result.Failed ?? []) failed.add(chunk[Number(failure.Id)]!);
    } catch {
      for (const entity of chunk) failed.add(entity);
    }
  }
  return failed;
}

/** The consumer's hook: buffer inside the idempotent step, trigger after the batch. */
export interface OrderingHook {
  buffer(event: GenesysEvent): Promise<void>;
  /** Entities (of records handled in the batch) whose release trigger could not be sent. */
  trigger(entities: Iterable<string>): Promise<Set<string>>;
}

export function createOrderingHook(settings: OrderingBufferSettings, client: DynamoDBDocumentClient, sqs: SQSClient, now: () => number = Date.now): OrderingHook {
  return {
    buffer: (event) => bufferEvent(client, settings.bufferTable, event, now()),
    trigger: (entities) => sendReleaseTriggers(sqs, settings, entities, now()),
  };
}
