// A DynamoDB double on loopback for `make bench`: the real JSON protocol over
// real HTTP (so every call goes through the SDK's whole stack: serialisation,
// signing, the socket, parsing, retries), answered after a modelled network +
// service latency, with DynamoDB's per-item semantics. What is measured is
// then the consumer, not the emulator.
//
// Why a stub and not the local AWS (moto) with its write lock removed: moto is
// single-process Python and spends milliseconds of CPU per call on the same
// two cores as the consumer (the whole local pipeline runs at ~47 events/s,
// issue 13), and without its lock two conditional writes to one item can both
// succeed (scripts/local/moto_server.py), which is exactly the semantics both
// consumers rely on. Here a request is evaluated in one turn of a
// single-threaded event loop, so conditional writes are atomic per item by
// construction, and it costs tens of microseconds; the latency is a timer.
//
// Semantics kept: CreateTable (key schema), PutItem, UpdateItem, DeleteItem
// with ConditionExpression (scripts/local/dynamodb-expressions.ts) and
// ReturnValuesOnConditionCheckFailure, GetItem, BatchGetItem, BatchWriteItem
// (puts and deletes), TransactWriteItems (conditional puts, all or nothing,
// a cancellation reason per item). Capacity is
// accounted as DynamoDB bills on demand: a write costs 1 WRU per started KiB of
// the larger of the item before and after, a refused conditional write still
// costs 1 WRU per started KiB of the stored item (at least 1), a transactional
// write twice that per item, a strongly consistent read 1 RRU per started 4 KiB.
//
// Latency model: log-normal, median `latencyMs` (4 ms default), shape `sigma`
// (0.5: p95 ≈ 2.3× and p99 ≈ 3.2× the median), drawn per request from a seeded
// generator. Run it as a child process (`main` below) so its CPU does not
// count as the consumer's.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { seededRandom } from '../lib/random';
import { applyUpdate, evaluateCondition, itemBytes, ValidationError, type Item } from './dynamodb-expressions';

export interface LatencyModel {
  /** Median per request, ms. */
  latencyMs: number;
  /** Log-normal shape; 0 = every request takes exactly the median. */
  sigma: number;
  seed?: number;
}

export const DEFAULT_LATENCY: LatencyModel = { latencyMs: 4, sigma: 0.5, seed: 13 };

/** Per operation: requests, refused conditions, capacity consumed. */
export interface OperationStats {
  requests: number;
  conditionFailed: number;
  writeUnits: number;
  readUnits: number;
}

export interface StubStats {
  operations: Record<string, OperationStats>;
  /** Per table: successful writes, and successful writes that stored a `digest` the item already had (a double apply). */
  tables: Record<string, { writes: number; doubleApplied: number; items: number }>;
}

interface Table {
  keys: string[];
  items: Map<string, Item>;
  /** Digests each item has stored, to count double applies as the oracle does from the stream. */
  digests: Map<string, Set<string>>;
  writes: number;
  doubleApplied: number;
}

class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

const MAX_LATENCY_MS = 1000;

export class DynamoDbStub {
  private readonly tables = new Map<string, Table>();
  private operations: Record<string, OperationStats> = {};
  private readonly random: () => number;

  constructor(private readonly latency: LatencyModel = DEFAULT_LATENCY) {
    this.random = seededRandom(latency.seed ?? 13);
  }

  /** One draw of the latency model (Box–Muller on the seeded generator). */
  delayMs(): number {
    if (this.latency.sigma === 0) return this.latency.latencyMs;
    const u = Math.max(this.random(), 1e-12);
    const v = this.random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.min(MAX_LATENCY_MS, this.latency.latencyMs * Math.exp(this.latency.sigma * normal));
  }

  stats(): StubStats {
    const tables: StubStats['tables'] = {};
    for (const [name, t] of this.tables) tables[name] = { writes: t.writes, doubleApplied: t.doubleApplied, items: t.items.size };
    return { operations: structuredClone(this.operations), tables };
  }

  items(table: string): Item[] {
    return [...this.table(table).items.values()];
  }

  /** Empties every table and the counters; tables stay defined. */
  reset(): void {
    for (const t of this.tables.values()) {
      t.items.clear();
      t.digests.clear();
      t.writes = 0;
      t.doubleApplied = 0;
    }
    this.operations = {};
  }

  private table(name: unknown): Table {
    const table = typeof name === 'string' ? this.tables.get(name) : undefined;
    if (!table) throw new ServiceError('ResourceNotFoundException', `Requested resource not found: Table: ${String(name)} not found`);
    return table;
  }

  private keyOf(table: Table, key: Item | undefined): string {
    if (!key) throw new ValidationError('The provided key element does not match the schema');
    const parts = table.keys.map((k) => {
      const v = key[k];
      if (!v || (v.S === undefined && v.N === undefined)) throw new ValidationError(`The provided key element does not match the schema: missing ${k}`);
      return v.S ?? v.N!;
    });
    return JSON.stringify(parts);
  }

  private count(op: string): OperationStats {
    return (this.operations[op] ??= { requests: 0, conditionFailed: 0, writeUnits: 0, readUnits: 0 });
  }

  private stored(table: Table, key: string, before: Item | undefined, after: Item, stats: OperationStats): void {
    stats.writeUnits += Math.max(1, Math.ceil(Math.max(itemBytes(before), itemBytes(after)) / 1024));
    table.items.set(key, after);
    table.writes += 1;
    const digest = after.digest?.S;
    if (digest !== undefined) {
      const seen = table.digests.get(key) ?? new Set<string>();
      if (seen.has(digest)) table.doubleApplied += 1;
      seen.add(digest);
      table.digests.set(key, seen);
    }
  }

  private checkCondition(input: Record<string, unknown>, before: Item | undefined, stats: OperationStats): void {
    const expression = input.ConditionExpression as string | undefined;
    if (!expression) return;
    const scope = { names: (input.ExpressionAttributeNames ?? {}) as Record<string, string>, values: (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue> };
    if (evaluateCondition(expression, before, scope)) return;
    stats.conditionFailed += 1;
    stats.writeUnits += Math.max(1, Math.ceil(itemBytes(before) / 1024));
    const extra = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before ? { Item: before } : {};
    throw new ServiceError('ConditionalCheckFailedException', 'The conditional request failed', extra);
  }

  /**
   * Put items of a TransactWriteItems (the idempotency claims): every
   * condition is checked before anything is written, and one refused
   * condition cancels the whole transaction with a reason per item (the old
   * item with it when ReturnValuesOnConditionCheckFailure is ALL_OLD).
   */
  private transactWrite(input: Record<string, unknown>, stats: OperationStats): Record<string, unknown> {
    const items = (input.TransactItems ?? []) as Array<{ Put?: Record<string, unknown> }>;
    const planned = items.map(({ Put }) => {
      if (!Put) throw new ServiceError('UnknownOperationException', 'The stub implements only Put in TransactWriteItems');
      const table = this.table(Put.TableName);
      const key = this.keyOf(table, Put.Item as Item);
      return { put: Put, table, key, before: table.items.get(key) };
    });
    if (new Set(planned.map((p) => `${String(p.put.TableName)}${p.key}`)).size !== planned.length) {
      throw new ValidationError('Transaction request cannot include multiple operations on one item');
    }
    for (const p of planned) stats.writeUnits += TRANSACTION_UNIT_FACTOR * Math.max(1, Math.ceil(Math.max(itemBytes(p.before), itemBytes(p.put.Item as Item)) / 1024));
    const reasons = planned.map((p) => {
      const expression = p.put.ConditionExpression as string | undefined;
      const scope = { names: (p.put.ExpressionAttributeNames ?? {}) as Record<string, string>, values: (p.put.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue> };
      if (!expression || evaluateCondition(expression, p.before, scope)) return { Code: 'None' };
      return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(p.put.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && p.before ? { Item: p.before } : {}) };
    });
    if (reasons.some((r) => r.Code !== 'None')) {
      stats.conditionFailed += 1;
      throw new ServiceError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, { CancellationReasons: reasons });
    }
    for (const p of planned) {
      p.table.items.set(p.key, p.put.Item as Item);
      p.table.writes += 1;
    }
    return {};
  }

  /** Applies one request; returns the response body. Synchronous: one request at a time touches the tables. */
  handle(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    const stats = this.count(operation);
    stats.requests += 1;
    switch (operation) {
      case 'CreateTable': {
        const name = input.TableName as string;
        const schema = (input.KeySchema ?? []) as Array<{ AttributeName: string; KeyType: string }>;
        const keys = [...schema].sort((a) => (a.KeyType === 'HASH' ? -1 : 1)).map((k) => k.AttributeName);
        if (this.tables.has(name)) throw new ServiceError('ResourceInUseException', `Table already exists: ${name}`);
        this.tables.set(name, { keys, items: new Map(), digests: new Map(), writes: 0, doubleApplied: 0 });
        return { TableDescription: { TableName: name, TableStatus: 'ACTIVE', KeySchema: schema } };
      }
      case 'PutItem': {
        const table = this.table(input.TableName);
        const item = input.Item as Item;
        const key = this.keyOf(table, item);
        const before = table.items.get(key);
        this.checkCondition(input, before, stats);
        this.stored(table, key, before, item, stats);
        return input.ReturnValues === 'ALL_OLD' && before ? { Attributes: before } : {};
      }
      case 'UpdateItem': {
        const table = this.table(input.TableName);
        const keyItem = input.Key as Item;
        const key = this.keyOf(table, keyItem);
        const before = table.items.get(key);
        this.checkCondition(input, before, stats);
        const scope = { names: (input.ExpressionAttributeNames ?? {}) as Record<string, string>, values: (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue> };
        const after = applyUpdate(String(input.UpdateExpression ?? ''), { ...(before ?? {}), ...keyItem }, scope, table.keys);
        this.stored(table, key, before, after, stats);
        return input.ReturnValues === 'ALL_NEW' ? { Attributes: after } : {};
      }
      case 'DeleteItem': {
        const table = this.table(input.TableName);
        const key = this.keyOf(table, input.Key as Item);
        const before = table.items.get(key);
        this.checkCondition(input, before, stats);
        stats.writeUnits += Math.max(1, Math.ceil(itemBytes(before) / 1024));
        table.items.delete(key);
        table.digests.delete(key);
        return input.ReturnValues === 'ALL_OLD' && before ? { Attributes: before } : {};
      }
      case 'GetItem': {
        const table = this.table(input.TableName);
        const item = table.items.get(this.keyOf(table, input.Key as Item));
        stats.readUnits += readUnits(item, input.ConsistentRead === true);
        return item ? { Item: item } : {};
      }
      case 'BatchGetItem': {
        const requested = (input.RequestItems ?? {}) as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>;
        const Responses: Record<string, Item[]> = {};
        for (const [name, { Keys, ConsistentRead }] of Object.entries(requested)) {
          const table = this.table(name);
          Responses[name] = [];
          for (const k of Keys) {
            const item = table.items.get(this.keyOf(table, k));
            stats.readUnits += readUnits(item, ConsistentRead === true);
            if (item) Responses[name].push(item);
          }
        }
        return { Responses, UnprocessedKeys: {} };
      }
      case 'BatchWriteItem': {
        // No condition expressions here (DynamoDB accepts none); every request is applied, UnprocessedItems stays empty.
        const requested = (input.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>;
        for (const [name, requests] of Object.entries(requested)) {
          const table = this.table(name);
          for (const request of requests) {
            if (request.PutRequest) {
              const key = this.keyOf(table, request.PutRequest.Item);
              this.stored(table, key, table.items.get(key), request.PutRequest.Item, stats);
            } else if (request.DeleteRequest) {
              const key = this.keyOf(table, request.DeleteRequest.Key);
              stats.writeUnits += Math.max(1, Math.ceil(itemBytes(table.items.get(key)) / 1024));
              table.items.delete(key);
              table.digests.delete(key);
            }
          }
        }
        return { UnprocessedItems: {} };
      }
      case 'TransactWriteItems':
        return this.transactWrite(input, stats);
      default:
        throw new ServiceError('UnknownOperationException', `The stub does not implement ${operation}`);
    }
  }
}

/** A transactional write costs 2 WRU per started KiB of each item, whether the transaction commits or is cancelled. */
const TRANSACTION_UNIT_FACTOR = 2;

/** A read costs 1 RRU per started 4 KiB (strongly consistent), half that eventually consistent; a miss still costs the minimum. */
const readUnits = (item: Item | undefined, consistent: boolean): number =>
  Math.max(1, Math.ceil(itemBytes(item) / 4096)) * (consistent ? 1 : 0.5);

export interface RunningStub {
  url: string;
  stub: DynamoDbStub;
  close(): Promise<void>;
}

function respond(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': randomUUID(),
    'x-amz-crc32': String(crc32(text)),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startDynamoDbStub(latency: LatencyModel = DEFAULT_LATENCY, port = 0): Promise<RunningStub> {
  const stub = new DynamoDbStub(latency);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      // Test-side endpoints, answered at once: the bench reads counters and tables through them.
      if (url.pathname === '/_stub/stats') return respond(res, 200, stub.stats() as unknown as Record<string, unknown>);
      if (url.pathname === '/_stub/items') {
        try {
          return respond(res, 200, { Items: stub.items(url.searchParams.get('table') ?? '') });
        } catch (error) {
          return respond(res, 404, { message: (error as Error).message });
        }
      }
      if (url.pathname === '/_stub/reset') {
        stub.reset();
        return respond(res, 200, {});
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('DynamoDB_20120810.') ? target.slice('DynamoDB_20120810.'.length) : target;
      let status = 200;
      let body: Record<string, unknown>;
      try {
        body = stub.handle(operation, JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (error) {
        status = 400;
        const type = error instanceof ServiceError ? error.type : error instanceof ValidationError ? 'ValidationException' : 'InternalServerError';
        if (type === 'InternalServerError') status = 500;
        body = { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: (error as Error).message, ...(error instanceof ServiceError ? error.extra : {}) };
      }
      setTimeout(() => respond(res, status, body), stub.delayMs());
    });
  });
  // Longer than the SDK keeps idle sockets, so a reused socket is never one the stub just closed.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    stub,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// As a child process: `node --import tsx scripts/local/dynamodb-stub.ts
// [--latency-ms 4] [--sigma 0.5] [--seed 13]` prints {"url": …} and serves
// until it is killed or its stdin closes (the parent ended).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { 'latency-ms': { type: 'string' }, sigma: { type: 'string' }, seed: { type: 'string' } }, strict: true });
  const model: LatencyModel = {
    latencyMs: Number(values['latency-ms'] ?? DEFAULT_LATENCY.latencyMs),
    sigma: Number(values.sigma ?? DEFAULT_LATENCY.sigma),
    seed: Number(values.seed ?? DEFAULT_LATENCY.seed),
  };
  if (!(model.latencyMs >= 0) || !(model.sigma >= 0) || !Number.isInteger(model.seed)) {
    console.error('dynamodb-stub: --latency-ms and --sigma must be numbers >= 0, --seed an integer');
    process.exit(2);
  }
  const running = await startDynamoDbStub(model);
  console.log(JSON.stringify({ url: running.url }));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
