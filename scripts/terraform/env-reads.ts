// Which MESSAGING_ENV settings a function's code reads: the handler and every
// module it imports (relative imports, followed), scanned for
// MESSAGING_ENV.<key> and for an alias (`const E = MESSAGING_ENV; E.<key>`).
// The contract test compares the result with the environment Terraform gives
// the function, so a setting the code reads and the module does not set (or
// the reverse) fails `make test`, not a deployed cold start.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MESSAGING_ENV } from '../../shared/messaging/contract';
import { REPO_ROOT } from './hcl';

type EnvKey = keyof typeof MESSAGING_ENV;

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [base, `${base}.ts`, join(base, 'index.ts')].find((p) => p.endsWith('.ts') && existsSync(p));
}

/** The files a module pulls in through relative imports, itself included. */
export function importGraph(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s+'(\.{1,2}\/[^']+)'/g)) {
      const next = resolveImport(file, m[1]!);
      if (next) queue.push(next);
    }
  }
  return [...seen].sort();
}

/** MESSAGING_ENV variable names (e.g. INBOUND_QUEUE_URL) read by a function's code, sorted. */
export function messagingEnvReadBy(functionDir: string, root = REPO_ROOT): string[] {
  const handler = join(root, 'functions', functionDir, 'handler.ts');
  const keys = new Set<EnvKey>();
  for (const file of importGraph(handler)) {
    if (file.endsWith(join('shared', 'messaging', 'contract.ts'))) continue;
    const text = readFileSync(file, 'utf8');
    const aliases = ['MESSAGING_ENV', ...[...text.matchAll(/const\s+(\w+)\s*=\s*MESSAGING_ENV\b/g)].map((m) => m[1]!)];
    for (const alias of aliases) {
      for (const m of text.matchAll(new RegExp(`\\b${alias}\\.(\\w+)`, 'g'))) {
        if (m[1]! in MESSAGING_ENV) keys.add(m[1] as EnvKey);
      }
    }
  }
  return [...keys].map((k) => MESSAGING_ENV[k]).sort();
}

/**
 * Every environment variable name a config reader reads (readForwarderConfig,
 * readDispatcherConfig...), sorted: it runs the reader over a recording
 * environment, giving each required name a value when the reader stops on it.
 * Exact where the static scan above is file-grained (the dispatcher imports
 * the forwarder's config module for the shared Genesys settings, so the scan
 * would count the forwarder's queue names too), and it sees names read as
 * string literals, not only MESSAGING_ENV.
 */
export function envNamesReadBy(read: (env: Record<string, string | undefined>) => unknown): string[] {
  const given: Record<string, string> = {};
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 200; attempt++) {
    const env = new Proxy(given, {
      get(target, name) {
        if (typeof name === 'string') seen.add(name);
        return typeof name === 'string' ? target[name] : undefined;
      },
    });
    try {
      read(env);
      return [...seen].sort();
    } catch (error) {
      const missing = /environment variable (\w+) is not set/.exec((error as Error).message)?.[1];
      if (!missing || missing in given) throw error;
      given[missing] = 'x';
    }
  }
  throw new Error('envNamesReadBy: the reader kept asking for more names');
}
