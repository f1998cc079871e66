// The SDK clients' retry budget and timeouts are bounded: a store that accepts
// connections but never answers costs attempts x timeout, not the SDK's
// 300 s default socket timeout (longer than the consumer's invocation).
import { createServer, type Server, type Socket } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dynamoDbClient } from '../../shared/aws/clients';

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const s of sockets) s.destroy();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** Accepts connections, reads requests, never answers. */
async function silentStore(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

describe('AWS SDK clients', () => {
  it('give up on a store that never answers after attempts x request timeout', async () => {
    const store = await silentStore();
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', store.url);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const client = dynamoDbClient({ requestTimeoutMs: 300 });
    const started = Date.now();
    const error = await client.send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'x' } } })).catch((e: unknown) => e as Error);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
    expect(store.connections()).toBeGreaterThanOrEqual(1);
    // 3 attempts of 300 ms plus the SDK's jittered backoff between them.
    expect(elapsed).toBeGreaterThanOrEqual(3 * 300);
    expect(elapsed).toBeLessThan(8000);
  });
});
