import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProjectionItem } from './project-event';

export interface EntityAspectView {
  eventId: string;
  eventTime: number;
  correlationId: string | null;
  topicName: string;
  data: unknown;
}

export interface EntityView {
  entity: string;
  aspects: Record<string, EntityAspectView>;
  /** The aspect with the greatest order key: the entity's latest known phase. */
  latestAspect: string;
}

export async function readEntityItems(client: DynamoDBDocumentClient, tableName: string, entity: string): Promise<ProjectionItem[]> {
  const items: ProjectionItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#entity = :entity',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ':entity': entity },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((page.Items ?? []) as ProjectionItem[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export function toEntityView(entity: string, items: ProjectionItem[]): EntityView | undefined {
  if (items.length === 0) return undefined;
  const aspects: Record<string, EntityAspectView> = {};
  let latest = items[0]!;
  for (const item of items) {
    aspects[item.aspect] = {
      eventId: item.eventId,
      eventTime: item.eventTime,
      correlationId: item.correlationId || null,
      topicName: item.topicName,
      data: JSON.parse(item.data) as unknown,
    };
    if (item.orderKey > latest.orderKey) latest = item;
  }
  return { entity, aspects, latestAspect: latest.aspect };
}
