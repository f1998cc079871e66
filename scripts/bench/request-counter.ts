// Counts the DynamoDB requests a client sends, by operation, with an SDK
// middleware in the deserialize step: it runs once per HTTP attempt, so SDK
// retries count too, and it sees the client commands that the document
// client's commands wrap (UpdateCommand → UpdateItem).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type RequestCounts = Record<string, number>;

export function countRequests(client: DynamoDBClient, counts: RequestCounts = {}): RequestCounts {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[operation] = (counts[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'benchRequestCounter', override: true },
  );
  return counts;
}

/** Write operations: what DynamoDB bills in write units. */
export const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export const writesIn = (counts: RequestCounts): number =>
  Object.entries(counts).reduce((sum, [op, n]) => sum + (WRITE_OPERATIONS.has(op) ? n : 0), 0);
