// The last-write-wins projection (design §3): one item per (entity, aspect),
// written by one conditional UpdateItem that succeeds only when the stored
// order key is absent or smaller. Replays and stale events fail the condition
// and change nothing.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

export function projectionUpdate(tableName: string, event: GenesysEvent, projectedAt: string) {
  return new UpdateCommand({
    TableName: tableName,
    Key: { entity: event.entity, aspect: event.aspect },
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
      ':orderKey': event.orderKey,
      ':eventId': event.eventId,
      ':eventTime': event.eventTimeMs,
      ':detailTimestamp': event.detailTimestampMs,
      ':digest': event.digest,
      ':topicName': event.topicName,
      ':detailType': event.detailType,
      ':correlationId': event.correlationId ?? '',
      ':data': JSON.stringify(event.eventBody),
      ':projectedAt': projectedAt,
    },
  });
}

export async function projectEvent(
  client: DynamoDBDocumentClient,
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
