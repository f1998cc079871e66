// The verdict on a run: the projection must hold, for every (entity, aspect),
// the event with the greatest order key among the valid events sent (design
// §3), and no content may have been applied twice to an item. The second
// part reads the projection table's stream: every successful write is one
// stream record, so a digest written twice to the same item is a double apply.
import { DynamoDBClient, ScanCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { isPermanentEventError, type PermanentReason } from '../../shared/resilience/errors';

export interface OracleEntry {
  orderKey: string;
  digest: string;
}

export interface Oracle {
  expected: Map<string, OracleEntry>;
  valid: number;
  invalid: Partial<Record<PermanentReason, number>>;
}

export const itemKey = (entity: string, aspect: string): string => `${entity}\u0000${aspect}`;

export function buildOracle(lines: string[], limits: { maxEventBytes: number; maxFutureSkewMs: number; now?: () => number }): Oracle {
  const expected = new Map<string, OracleEntry>();
  const invalid: Oracle['invalid'] = {};
  let valid = 0;
  for (const line of lines) {
    try {
      const event = parseGenesysEvent(line, limits);
      valid += 1;
      const key = itemKey(event.entity, event.aspect);
      const current = expected.get(key);
      if (!current || current.orderKey < event.orderKey) expected.set(key, { orderKey: event.orderKey, digest: event.digest });
    } catch (error) {
      if (!isPermanentEventError(error)) throw error;
      invalid[error.reason] = (invalid[error.reason] ?? 0) + 1;
    }
  }
  return { expected, valid, invalid };
}

export interface StoredItem {
  entity: string;
  aspect: string;
  orderKey: string;
  digest: string;
}

export async function scanProjection(ddb: DynamoDBClient, tableName: string): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#e, #a, #k, #d',
        ExpressionAttributeNames: { '#e': 'entity', '#a': 'aspect', '#k': 'orderKey', '#d': 'digest' },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const raw of page.Items ?? []) items.push(unmarshall(raw) as StoredItem);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Number of stream records that wrote a digest the same item had already received. */
export async function countDoubleApplied(ddb: DynamoDBClient, tableName: string): Promise<{ writes: number; doubleApplied: number }> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${tableName} has no stream; the verifier needs StreamViewType NEW_IMAGE`);
  const streams = new DynamoDBStreamsClient({});
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const seen = new Map<string, Set<string>>();
  let writes = 0;
  let doubleApplied = 0;
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      for (const record of records) {
        const image = record.dynamodb?.NewImage;
        if (!image) continue;
        const item = unmarshall(image as Record<string, import('@aws-sdk/client-dynamodb').AttributeValue>) as StoredItem;
        writes += 1;
        const key = itemKey(item.entity, item.aspect);
        const digests = seen.get(key) ?? new Set<string>();
        if (digests.has(item.digest)) doubleApplied += 1;
        digests.add(item.digest);
        seen.set(key, digests);
      }
      if (records.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return { writes, doubleApplied };
}

export interface Verdict {
  expectedItems: number;
  storedItems: number;
  lost: number;
  unexpected: number;
  mismatched: number;
  doubleApplied: number;
  writes: number;
  matches: boolean;
  examples: string[];
}

export interface Comparison {
  lost: number;
  unexpected: number;
  mismatched: number;
  /** Entities with at least one item lost, unexpected or mismatched, of all entities the oracle expects. */
  wrongEntities: number;
  entities: number;
  examples: string[];
}

/** Stored projection items against the oracle, item by item (no table access: the bench's DynamoDB stub hands its items over directly). */
export function compareWithOracle(stored: StoredItem[], oracle: Oracle): Comparison {
  const byKey = new Map(stored.map((item) => [itemKey(item.entity, item.aspect), item]));
  let lost = 0;
  let mismatched = 0;
  const examples: string[] = [];
  const wrong = new Set<string>();
  for (const [key, want] of oracle.expected) {
    const got = byKey.get(key);
    const label = key.replace('\u0000', ' ');
    if (!got) {
      lost += 1;
      wrong.add(key.split('\u0000')[0]!);
      if (examples.length < 5) examples.push(`missing ${label}`);
    } else if (got.orderKey !== want.orderKey || got.digest !== want.digest) {
      if (got.orderKey < want.orderKey) lost += 1;
      else mismatched += 1;
      wrong.add(got.entity);
      if (examples.length < 5) examples.push(`${label}: stored ${got.orderKey}, expected ${want.orderKey}`);
    }
  }
  const strays = stored.filter((item) => !oracle.expected.has(itemKey(item.entity, item.aspect)));
  for (const item of strays) wrong.add(item.entity);
  return { lost, unexpected: strays.length, mismatched, wrongEntities: wrong.size, entities: entitiesOf(oracle).size, examples };
}

/** Per entity, the greatest order key among its expected items: the entity's newest event. */
export function entitiesOf(oracle: Oracle): Map<string, OracleEntry> {
  const newest = new Map<string, OracleEntry>();
  for (const [key, entry] of oracle.expected) {
    const entity = key.split('\u0000')[0]!;
    const current = newest.get(entity);
    if (!current || current.orderKey < entry.orderKey) newest.set(entity, entry);
  }
  return newest;
}

/**
 * For a store that keeps one item per entity (the guides' consumer): entities
 * whose item is not the entity's newest event. Aspects it cannot hold are not
 * counted against it; only the order it applied events in is.
 */
export function compareEntityItems(stored: Array<{ entity: string; orderKey: string }>, oracle: Oracle): Comparison {
  const newest = entitiesOf(oracle);
  const byEntity = new Map(stored.map((item) => [item.entity, item]));
  let lost = 0;
  let mismatched = 0;
  const examples: string[] = [];
  for (const [entity, want] of newest) {
    const got = byEntity.get(entity);
    if (!got) lost += 1;
    else if (got.orderKey !== want.orderKey) {
      if (got.orderKey < want.orderKey) lost += 1;
      else mismatched += 1;
    } else continue;
    if (examples.length < 5) examples.push(`${entity}: stored ${got?.orderKey ?? 'nothing'}, newest ${want.orderKey}`);
  }
  const unexpected = stored.filter((item) => !newest.has(item.entity)).length;
  return { lost, unexpected, mismatched, wrongEntities: lost + mismatched + unexpected, entities: newest.size, examples };
}

export async function verifyProjection(ddb: DynamoDBClient, tableName: string, oracle: Oracle): Promise<Verdict> {
  const stored = await scanProjection(ddb, tableName);
  const { lost, unexpected, mismatched, examples } = compareWithOracle(stored, oracle);
  const { writes, doubleApplied } = await countDoubleApplied(ddb, tableName);
  return {
    expectedItems: oracle.expected.size,
    storedItems: stored.length,
    lost,
    unexpected,
    mismatched,
    doubleApplied,
    writes,
    matches: lost === 0 && unexpected === 0 && mismatched === 0 && doubleApplied === 0,
    examples,
  };
}
