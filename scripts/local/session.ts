// A running local event path: the moto server plus the resources provisioned
// on it. `local up` leaves one running in the background (state in .local/);
// the demo and the tests start their own and stop it when they end.
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { useLocalAws } from './aws-env';
import { endpointFor, freePort, runningDetached, startMoto, STATE_DIR, stopDetached, type LocalAws } from './moto';
import { startMessagingDaemon, stopMessagingDaemon, type MessagingEndpoints } from './messaging-daemon';
import { orderingFromEnvironment, provisionLocalStack, type LocalStack, type OrderingChoice } from './provision';

const STACK_FILE = join(STATE_DIR, 'stack.json');

export interface LocalSession {
  endpoint: string;
  port: number;
  /** The local AWS server's process id, when this session started it. */
  pid?: number;
  stack: LocalStack;
  /** The background messaging gateway (`local up` only). */
  messaging?: MessagingEndpoints;
  stop(): Promise<void>;
}

/** Starts a private local AWS (on LOCAL_AWS_PORT if set, else any free loopback port) and provisions it. */
export async function startLocalSession(options: { port?: number; ordering?: OrderingChoice } = {}): Promise<LocalSession> {
  const port = options.port ?? (process.env.LOCAL_AWS_PORT ? Number(process.env.LOCAL_AWS_PORT) : await freePort());
  const aws: LocalAws = await startMoto({ port });
  try {
    useLocalAws(aws.endpoint);
    const stack = await provisionLocalStack({}, options.ordering);
    return { endpoint: aws.endpoint, port: aws.port, pid: aws.pid, stack, stop: aws.stop };
  } catch (error) {
    await aws.stop();
    throw error;
  }
}

/** `local up`: a background local AWS that later CLI commands attach to; ORDERING_ENABLED=1 (and ORDERING_HOLD_SECONDS, ORDERING_LATE_EVENTS) turn on the ordering buffer. */
export async function localUp(): Promise<LocalSession> {
  const ordering = orderingFromEnvironment();
  const running = runningDetached();
  if (running) {
    throw new Error(`the local AWS is already running (pid ${running.pid}, ${endpointFor(running.port)}); run \`npm run cli -- local down\` first.`);
  }
  const aws = await startMoto({ detached: true });
  try {
    useLocalAws(aws.endpoint);
    const stack = await provisionLocalStack({}, ordering);
    writeFileSync(STACK_FILE, JSON.stringify(stack, null, 2));
    // The messaging gateway runs beside the event path in its own detached process (messaging-daemon.ts).
    const messaging = await startMessagingDaemon();
    return { endpoint: aws.endpoint, port: aws.port, stack, messaging, stop: async () => undefined };
  } catch (error) {
    await stopMessagingDaemon();
    await stopDetached();
    throw error;
  }
}

/** Stops the messaging gateway and the local AWS; says whether the AWS was running and whether the gateway had crashed. */
export async function localDown(): Promise<{ aws: boolean; messaging: 'stopped' | 'not-running' | 'had-crashed' }> {
  const messaging = await stopMessagingDaemon();
  rmSync(STACK_FILE, { force: true });
  return { aws: await stopDetached(), messaging };
}

/** Attaches to the background local AWS started by `local up`. */
export function attachLocalSession(): LocalSession {
  const running = runningDetached();
  if (!running || !existsSync(STACK_FILE)) {
    throw new Error('the local AWS is not running: start it with `npm run cli -- local up` (or `make up`).');
  }
  const endpoint = endpointFor(running.port);
  useLocalAws(endpoint);
  const stack = JSON.parse(readFileSync(STACK_FILE, 'utf8')) as LocalStack;
  return { endpoint, port: running.port, stack, stop: async () => undefined };
}
