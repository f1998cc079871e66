// Which local AWS a test file uses. The global setup starts one server per
// worker and a lease service on loopback; every integration file (this is a
// setup file: it runs in each file's worker) leases one server before its
// first hook and gives it back after its last. A lease is an open TCP
// connection, so a worker that dies gives its server back with it; a file
// that finds every server leased waits for one.
//
// Why not VITEST_POOL_ID: with the unit and the integration projects in one
// run, vitest 4.1 gave two integration files running at once the same id.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, inject } from 'vitest';

let lease: { socket: Socket; endpoint: string } | undefined;

function take(address: string): Promise<{ socket: Socket; endpoint: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let answer = '';
    const onData = (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      const end = answer.indexOf('\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      // The open connection is the lease; it must not keep the worker alive.
      socket.unref();
      socket.on('error', () => undefined);
      resolve({ socket, endpoint: answer.slice(0, end) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('the integration lease service closed the connection before handing out a local AWS')));
  });
}

beforeAll(async () => {
  lease = await take(inject('awsLeaseService'));
}, 600_000);

afterAll(() => {
  lease?.socket.end();
  lease = undefined;
});

/** The local AWS this file leased; resets and provisioning there touch no other file's resources. */
export function leasedAwsEndpoint(): string {
  if (!lease) throw new Error('no local AWS leased: call localAwsEndpoint() in a hook or a test, not at import time');
  return lease.endpoint;
}
