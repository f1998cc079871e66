// The last-write-wins projection (design §3): one item per (entity, aspect),
// written by one conditional UpdateItem that succeeds only when the stored
// order key is absent or smaller. Replays and stale events fail the condition
// and change nothing.
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GenesysEvent } from '../genesys/event';

export type ProjectionOutcome = 'applied' | 'stale';

/** What the projection stores per (entity, aspect); `data` is the event body as JSON text so any Genesys payload fits (DynamoDB maps cap nesting at 32 levels). */
export interface ProjectionItem {
  entity: string;
  aspect: string;
  orderKey: string;
  eventId: string;
  eventTime: number;
  detailTimestamp: number;
  digest: string;
  topicName: string;
  detailType: string;
  correlationId?: string;
  data: string;
  projectedAt: string;
}

/**
 * The conditional write, on the plain DynamoDB client with the attribute
 * values written out: the document client's marshalling and its per-send
 * middleware resolution were a measurable share of the consumer's CPU per
 * record, and the plain client can cache its middleware (shared/aws/clients.ts).
 */
export function projectionUpdate(tableName: string, event: GenesysEvent, projectedAt: string): UpdateItemCommand {
  return new UpdateItemCommand({
    TableName: tableName,
    Key: { entity: { S: event.entity }, aspect: { S: event.aspect } },
    ConditionExpression: 'attribute_not_exists(#orderKey) OR #orderKey < :orderKey',
    UpdateExpression:
      'SET #orderKey = :orderKey, #eventId = :eventId, #eventTime = :eventTime, #detailTimestamp = :detailTimestamp, ' +
      '#digest = :digest, #topicName = :topicName, #detailType = :detailType, #correlationId = :correlationId, ' +
      '#data = :data, #projectedAt = :projectedAt',
    ExpressionAttributeNames: {
      '#orderKey': 'orderKey',
      '#eventId': 'eventId',
      '#eventTime': 'eventTime',
      '#detailTimestamp': 'detailTimestamp',
      '#digest': 'digest',
      '#topicName': 'topicName',
      '#detailType': 'detailType',
      '#correlationId': 'correlationId',
      '#data': 'data',
      '#projectedAt': 'projectedAt',
    },
    ExpressionAttributeValues: {
      ':orderKey': { S: event.orderKey },
      ':eventId': { S: event.eventId },
      ':eventTime': { N: String(event.eventTimeMs) },
      ':detailTimestamp': { N: String(event.detailTimestampMs) },
      ':digest': { S: event.digest },
      ':topicName': { S: event.topicName },
      ':detailType': { S: event.detailType },
      ':correlationId': { S: event.correlationId ?? '' },
      ':data': { S: JSON.stringify(event.eventBody) },
      ':projectedAt': { S: projectedAt },
    },
  });
}

export async function projectEvent(
  client: DynamoDBClient,
  tableName: string,
  event: GenesysEvent,
  now: () => Date = () => new Date(),
): Promise<ProjectionOutcome> {
  try {
    await client.send(projectionUpdate(tableName, event, now().toISOString()));
    return 'applied';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
      return 'stale';
    }
    throw error;
  }
}
