// Runs the DynamoDB latency stub (scripts/local/dynamodb-stub.ts) as a child
// process, so its CPU is not counted as the consumer's, and reads its
// counters and tables over its loopback admin endpoints.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LatencyModel, StubStats } from '../local/dynamodb-stub';
import { ROOT } from '../local/moto';

export interface StubProcess {
  url: string;
  stats(): Promise<StubStats>;
  items<T>(table: string): Promise<T[]>;
  reset(): Promise<void>;
  createTable(name: string, hashKey: string, rangeKey?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startStubProcess(model: LatencyModel): Promise<StubProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/local/dynamodb-stub.ts'), '--latency-ms', String(model.latencyMs), '--sigma', String(model.sigma), '--seed', String(model.seed ?? 13)],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`DynamoDB stub exited with code ${code} before it was ready`))));
  const firstLine = new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const { url } = JSON.parse(await Promise.race([firstLine, exited])) as { url: string };
  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    if (!res.ok) throw new Error(`DynamoDB stub ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const ddb = new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  return {
    url,
    stats: () => admin<StubStats>('/_stub/stats'),
    items: async <T>(table: string) => (await admin<{ Items: Array<Record<string, AttributeValue>> }>(`/_stub/items?table=${encodeURIComponent(table)}`)).Items.map((i) => unmarshall(i) as T),
    reset: async () => void (await admin('/_stub/reset')),
    createTable: async (name, hashKey, rangeKey) => {
      const keys = [{ AttributeName: hashKey, KeyType: 'HASH' as const }, ...(rangeKey ? [{ AttributeName: rangeKey, KeyType: 'RANGE' as const }] : [])];
      await ddb.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keys,
          AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
        }),
      );
    },
    close: async () => {
      ddb.destroy();
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      child.kill('SIGTERM');
      await gone;
    },
  };
}
