// One local AWS per integration worker: started before the first test file,
// stopped after the last (also when a test fails or the run is interrupted:
// the children die with this process). Files run side by side, at most
// maxWorkers at a time (vitest.config.ts); each file leases one server for its
// whole run (aws-lease.ts) and resets it before it provisions, so two files
// never share a server. Bundles are built first so the tests exercise what
// ships.
import { createServer, type Server, type Socket } from 'node:net';
import type { TestProject } from 'vitest/node';
import { buildFunctions } from '../../scripts/build';
import { HOST, startMoto } from '../../scripts/local/moto';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the lease service that hands each file one of awsEndpoints (aws-lease.ts). */
    awsLeaseService: string;
  }
}

/** `count` distinct free ports: all held open at once, so none is handed out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, HOST, () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * Hands each connection one free endpoint (a line of text) and takes it back
 * when the connection closes; connections beyond the free endpoints wait
 * their turn.
 */
async function startLeaseService(endpoints: string[]): Promise<{ address: string; close(): Promise<void> }> {
  const free = [...endpoints];
  const waiting: Socket[] = [];
  const grant = (socket: Socket) => {
    const endpoint = free.shift()!;
    socket.once('close', () => {
      free.push(endpoint);
      const next = waiting.shift();
      if (next) grant(next);
    });
    socket.write(`${endpoint}\n`);
  };
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    if (free.length > 0) return grant(socket);
    waiting.push(socket);
    socket.once('close', () => {
      const at = waiting.indexOf(socket);
      if (at >= 0) waiting.splice(at, 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    address: `${HOST}:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export default async function setup(project: TestProject) {
  await buildFunctions();
  const workers = Math.max(1, project.config.maxWorkers || 1);
  const ports = await freePorts(workers);
  // LOCAL_AWS_PORT pins the first server's port (to look at it from outside while the suite runs).
  if (process.env.LOCAL_AWS_PORT) ports[0] = Number(process.env.LOCAL_AWS_PORT);
  const servers = await Promise.all(ports.map((port) => startMoto({ port })));
  const leases = await startLeaseService(servers.map((aws) => aws.endpoint));
  project.provide('awsLeaseService', leases.address);
  return async () => {
    await leases.close();
    await Promise.all(servers.map((aws) => aws.stop()));
  };
}
