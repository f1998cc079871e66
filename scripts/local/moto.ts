// The embedded local AWS: a moto server from the project's .venv on a
// loopback port. Started and stopped by the project's own commands; a child
// that outlives its parent is killed on exit, Ctrl-C and failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
// LOCAL_STATE_DIR lets a test run its own `local up` beside a developer's.
export const STATE_DIR = process.env.LOCAL_STATE_DIR ?? join(ROOT, '.local');
const PID_FILE = join(STATE_DIR, 'moto.pid');
const PORT_FILE = join(STATE_DIR, 'moto.port');
const LOG_FILE = join(STATE_DIR, 'moto.log');
export const HOST = '127.0.0.1';

export function configuredPort(): number {
  const raw = process.env.LOCAL_AWS_PORT ?? '4566';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`LOCAL_AWS_PORT=${raw} is not a TCP port; set LOCAL_AWS_PORT to a number between 1 and 65535 (default 4566).`);
  }
  return port;
}

export const endpointFor = (port: number): string => `http://${HOST}:${port}`;

/** Makes sure .venv has the pinned moto; the script prints the fix when it cannot. */
export function ensurePythonEnv(): void {
  const result = spawnSync('bash', [join(ROOT, 'scripts/python-env.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('could not prepare the Python environment for the local AWS (see the message above).');
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`moto server exited with code ${child.exitCode} before it was ready; see ${LOG_FILE}.`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto server did not answer on ${endpoint} within ${timeoutMs / 1000}s; see ${LOG_FILE}.`);
}

/**
 * Step Functions in moto only runs definitions when this flag is set, and only
 * for state machines created afterwards.
 */
export async function configureMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
  });
  if (!res.ok) throw new Error(`moto config call failed: HTTP ${res.status}`);
}

export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
  await configureMoto(endpoint);
}

export interface LocalAws {
  port: number;
  endpoint: string;
  /** The server's process id (`make bench` reads its CPU time to tell what bounds a run). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Starts a moto server. `detached` leaves it running after this process ends
 * (for `local up`); otherwise it dies with this process.
 */
export async function startMoto(options: { port?: number; detached?: boolean } = {}): Promise<LocalAws> {
  ensurePythonEnv();
  const port = options.port ?? configuredPort();
  if (!(await portIsFree(port))) {
    throw new Error(
      `moto server cannot start on ${HOST}:${port}: port in use. Stop what holds it (npm run cli -- local down, if it is ours) or set LOCAL_AWS_PORT to a free port.`,
    );
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const log = openSync(LOG_FILE, 'a');
  const child = spawn(join(ROOT, '.venv/bin/python'), [join(ROOT, 'scripts/local/moto_server.py'), '-H', HOST, '-p', String(port)], {
    stdio: ['ignore', log, log],
    detached: options.detached ?? false,
    // MOTO_PORT: Step Functions tasks call back into moto on this port.
    env: { ...process.env, MOTO_PORT: String(port) },
  });
  const endpoint = endpointFor(port);
  if (options.detached) {
    child.unref();
    writeFileSync(PID_FILE, String(child.pid));
    writeFileSync(PORT_FILE, String(port));
  } else {
    children.add(child);
    installExitHooks();
  }
  try {
    await waitUntilReady(endpoint, child, 30_000);
    await configureMoto(endpoint);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return {
    port,
    endpoint,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
      children.delete(child);
    },
  };
}

/** The server started by `local up`, if it is still running. */
export function runningDetached(): { pid: number; port: number } | undefined {
  if (!existsSync(PID_FILE) || !existsSync(PORT_FILE)) return undefined;
  const pid = Number(readFileSync(PID_FILE, 'utf8'));
  const port = Number(readFileSync(PORT_FILE, 'utf8'));
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return undefined;
  }
}

export async function stopDetached(): Promise<boolean> {
  const running = runningDetached();
  rmSync(PID_FILE, { force: true });
  rmSync(PORT_FILE, { force: true });
  if (!running) return false;
  process.kill(running.pid, 'SIGTERM');
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(running.pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      return true;
    }
  }
  process.kill(running.pid, 'SIGKILL');
  return true;
}
