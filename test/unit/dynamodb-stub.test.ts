// The bench's DynamoDB stub keeps the semantics both consumers rely on, as
// DynamoDB does, through the real SDK over HTTP: conditional writes refused
// with the old item, order-key updates, capacity accounting, and a clear
// refusal of expressions it does not implement.
import { ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbStub, type RunningStub } from '../../scripts/local/dynamodb-stub';

let running: RunningStub;
let client: DynamoDBClient;

beforeAll(async () => {
  running = await startDynamoDbStub({ latencyMs: 0, sigma: 0 });
  client = new DynamoDBClient({ endpoint: running.url, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
  await client.send(
    new CreateTableCommand({
      TableName: 'projection',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'entity', KeyType: 'HASH' }, { AttributeName: 'aspect', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'entity', AttributeType: 'S' }, { AttributeName: 'aspect', AttributeType: 'S' }],
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await running.close();
});

const project = (orderKey: string, digest: string) =>
  client.send(
    new UpdateItemCommand({
      TableName: 'projection',
      Key: { entity: { S: 'conversation/1' }, aspect: { S: 'acw' } },
      ConditionExpression: 'attribute_not_exists(#k) OR #k < :k',
      UpdateExpression: 'SET #k = :k, #d = :d',
      ExpressionAttributeNames: { '#k': 'orderKey', '#d': 'digest' },
      ExpressionAttributeValues: { ':k': { S: orderKey }, ':d': { S: digest } },
    }),
  );

describe('DynamoDB stub', () => {
  it('applies a newer order key, refuses an older or equal one, and counts a replay once', async () => {
    await project('0002', 'b');
    await expect(project('0001', 'a')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(project('0002', 'b')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await project('0003', 'c');
    expect(running.stub.items('projection')).toEqual([
      { entity: { S: 'conversation/1' }, aspect: { S: 'acw' }, orderKey: { S: '0003' }, digest: { S: 'c' } },
    ]);
    const stats = running.stub.stats();
    expect(stats.operations.UpdateItem).toMatchObject({ requests: 4, conditionFailed: 2, writeUnits: 4 });
    expect(stats.tables.projection).toMatchObject({ writes: 2, doubleApplied: 0, items: 1 });
  });

  it('returns the stored item on a refused condition when asked (what Powertools idempotency reads)', async () => {
    const put = () =>
      client.send(
        new PutItemCommand({
          TableName: 'projection',
          Item: { entity: { S: 'user/1' }, aspect: { S: 'presence' }, status: { S: 'INPROGRESS' }, expiry: { N: '100' } },
          ConditionExpression: 'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#ip) AND #ip < :ms)',
          ExpressionAttributeNames: { '#id': 'entity', '#expiry': 'expiry', '#status': 'status', '#ip': 'in_progress_expiration' },
          ExpressionAttributeValues: { ':now': { N: '50' }, ':ms': { N: '50000' }, ':inprogress': { S: 'INPROGRESS' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    await put();
    const refused = await put().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((refused as ConditionalCheckFailedException).Item?.status).toEqual({ S: 'INPROGRESS' });
  });

  it('refuses an expression it does not implement, naming it', async () => {
    const error = await client
      .send(
        new PutItemCommand({
          TableName: 'projection',
          Item: { entity: { S: 'x' }, aspect: { S: 'y' } },
          ConditionExpression: 'begins_with(#e, :p)',
          ExpressionAttributeNames: { '#e': 'entity' },
          ExpressionAttributeValues: { ':p': { S: 'x' } },
        }),
      )
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toContain('begins_with');
  });
});
