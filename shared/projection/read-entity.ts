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

/** Every item of an entity, or only the aspects starting with aspectPrefix (e.g. `transcript/`: a key condition, so DynamoDB reads no other item). */
export async function readEntityItems(client: DynamoDBDocumentClient, tableName: string, entity: string, aspectPrefix?: string): Promise<ProjectionItem[]> {
  const items: ProjectionItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: aspectPrefix ? '#entity = :entity AND begins_with(#aspect, :prefix)' : '#entity = :entity',
        ExpressionAttributeNames: aspectPrefix ? { '#entity': 'entity', '#aspect': 'aspect' } : { '#entity': 'entity' },
        ExpressionAttributeValues: aspectPrefix ? { ':entity': entity, ':prefix': aspectPrefix } : { ':entity': entity },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((page.Items ?? []) as ProjectionItem[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Aspects in order-key order (event time first), so a stream such as a transcript reads in the order it was spoken. */
export function toEntityView(entity: string, items: ProjectionItem[]): EntityView | undefined {
  if (items.length === 0) return undefined;
  const aspects: Record<string, EntityAspectView> = {};
  const ordered = [...items].sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0));
  let latest = ordered[0]!;
  for (const item of ordered) {
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
