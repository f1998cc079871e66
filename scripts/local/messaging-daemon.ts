// The messaging gateway of `local up`, in the background: a detached Node
// process that attaches to the local AWS started by `local up`, runs
// startMessagingStack() (doubles, ingest endpoint, token refresher,
// forwarder runners) until `local down` sends it SIGTERM, and keeps two files
// in the state directory:
//   messaging.json        where everything listens (written once ready)
//   messaging-stats.json  the forwarder's running tally and the runners'
//                         in-flight batches, every 500 ms (`messaging drain`
//                         reads it: the counts of a process it cannot see)
// Its own output goes to .local/logs/messaging-daemon.log; the functions'
// JSON logs to .local/logs/messaging.log.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import { useLocalAws } from './aws-env';
import { queueDepth } from './event-source-mapping';
import { startMessagingStack, type MessagingSummary } from './messaging-stack';
import { endpointFor, ROOT, runningDetached, STATE_DIR } from './moto';

const INFO_FILE = join(STATE_DIR, 'messaging.json');
const STATS_FILE = join(STATE_DIR, 'messaging-stats.json');
const PID_FILE = join(STATE_DIR, 'messaging.pid');
const LOG_FILE = join(STATE_DIR, 'logs', 'messaging-daemon.log');

export interface MessagingEndpoints {
  ingestUrl: string;
  genesysUrl: string;
  platformUrl: string;
  integrationId: string;
}

interface MessagingInfo extends MessagingEndpoints {
  pid: number;
  queues: { inbound: string; maintenance: string; outbound: string };
}

interface MessagingStats {
  at: number;
  inFlightBatches: number;
  summary: MessagingSummary;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const readJson = <T>(file: string): T | undefined => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined);

const logTail = (): string => (existsSync(LOG_FILE) ? readFileSync(LOG_FILE, 'utf8').trim().split('\n').slice(-8).join('\n') : '(no log)');

/** Starts the daemon and waits until it is ready; a daemon that dies while starting is reported with its log. */
export async function startMessagingDaemon(timeoutMs = 180_000): Promise<MessagingEndpoints> {
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true });
  rmSync(INFO_FILE, { force: true });
  rmSync(STATS_FILE, { force: true });
  const log = openSync(LOG_FILE, 'a');
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [new URL(import.meta.url).pathname], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, MESSAGING_DAEMON: '1' },
  });
  child.unref();
  writeFileSync(PID_FILE, String(child.pid));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = readJson<MessagingInfo>(INFO_FILE);
    if (info) return info;
    if (child.exitCode !== null || !alive(child.pid!)) {
      throw new Error(`the messaging gateway stopped while starting (exit ${child.exitCode ?? 'unknown'}); ${LOG_FILE}:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(child.pid!, 'SIGTERM');
  throw new Error(`the messaging gateway did not start within ${timeoutMs / 1000}s; see ${LOG_FILE}`);
}

/** `local down`: stops the daemon. Returns what happened, including a daemon that had crashed. */
export async function stopMessagingDaemon(): Promise<'stopped' | 'not-running' | 'had-crashed'> {
  const pid = existsSync(PID_FILE) ? Number(readFileSync(PID_FILE, 'utf8')) : undefined;
  rmSync(PID_FILE, { force: true });
  rmSync(INFO_FILE, { force: true });
  if (pid === undefined) return 'not-running';
  if (!alive(pid)) return 'had-crashed';
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return 'stopped';
}

/** The running daemon's endpoints; an error naming the fix when there is none or it crashed. */
export function attachMessaging(): MessagingInfo {
  const info = readJson<MessagingInfo>(INFO_FILE);
  if (!info) throw new Error('the messaging gateway is not running: start it with `npm run cli -- local up` (or `make up`).');
  if (!alive(info.pid)) throw new Error(`the messaging gateway (pid ${info.pid}) has crashed; see ${LOG_FILE}:\n${logTail()}\nRestart with \`npm run cli -- local down && npm run cli -- local up\`.`);
  return info;
}

/** `messaging drain`: waits until the inbound, maintenance and outbound queues are empty and no batch is in flight; the daemon's summary then. */
export async function waitForMessagingDrain(options: { timeoutMs?: number; onTick?: (depth: number) => void } = {}): Promise<MessagingSummary> {
  const info = attachMessaging();
  const aws = runningDetached();
  if (!aws) throw new Error('the local AWS is not running: start it with `npm run cli -- local up`.');
  useLocalAws(endpointFor(aws.port));
  const sqs = new SQSClient({});
  const deadline = Date.now() + (options.timeoutMs ?? 900_000);
  let quiet = 0;
  while (Date.now() < deadline) {
    attachMessaging(); // a crash while draining is reported, not waited out
    const depths = await Promise.all([queueDepth(sqs, info.queues.inbound), queueDepth(sqs, info.queues.maintenance), queueDepth(sqs, info.queues.outbound)]);
    const waiting = depths.reduce((sum, q) => sum + q.visible + q.inFlight + q.delayed, 0);
    const stats = readJson<MessagingStats>(STATS_FILE);
    options.onTick?.(waiting);
    const fresh = stats !== undefined && Date.now() - stats.at < 5_000;
    quiet = waiting === 0 && fresh && stats.inFlightBatches === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return stats!.summary;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the messaging queues did not drain within ${(options.timeoutMs ?? 900_000) / 1000}s`);
}

/** The daemon itself. */
async function runDaemon(): Promise<void> {
  const aws = runningDetached();
  if (!aws) throw new Error('no local AWS to attach to (moto.pid/moto.port missing): `local up` starts it first');
  useLocalAws(endpointFor(aws.port));
  const session = await startMessagingStack();
  const runners = [...(session.mappings ? [session.mappings.inbound, session.mappings.maintenance] : []), ...(session.outboundMapping ? [session.outboundMapping] : [])];
  const writeStats = async () => {
    const stats: MessagingStats = { at: Date.now(), inFlightBatches: runners.reduce((n, r) => n + r.inFlight, 0), summary: await session.summary() };
    // Written aside and renamed: a reader never sees half a file.
    writeFileSync(`${STATS_FILE}.tmp`, JSON.stringify(stats));
    renameSync(`${STATS_FILE}.tmp`, STATS_FILE);
  };
  const timer = setInterval(() => void writeStats().catch((error: Error) => console.error(`stats not written: ${error.message}`)), 500);
  const info: MessagingInfo = {
    pid: process.pid,
    ingestUrl: session.ingestUrl!,
    genesysUrl: session.genesys.url,
    platformUrl: session.platform.url,
    integrationId: session.stack.integrationId,
    queues: { inbound: session.stack.queues.inbound.url, maintenance: session.stack.queues.maintenance.url, outbound: session.stack.queues.outbound.url },
  };
  writeFileSync(INFO_FILE, JSON.stringify(info, null, 2));
  console.error(`${new Date().toISOString()} messaging gateway ready: ${JSON.stringify(info)}`);
  const stop = async (signal: string) => {
    clearInterval(timer);
    console.error(`${new Date().toISOString()} ${signal}: stopping`);
    await session.stop().catch((error: Error) => console.error(`stop: ${error.message}`));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (process.env.MESSAGING_DAEMON === '1' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDaemon().catch((error: Error) => {
    console.error(`${new Date().toISOString()} messaging gateway failed: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
