// Per function: bundle bytes and module init time, as the median wall time of
// fresh `node` processes that import the bundle, against fresh `node`
// processes that import nothing, measured alternately in the same run (so
// machine load falls on both alike). The difference is what the bundle adds
// to a cold start's init phase; Lambda's own runtime start is not in it.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../local/moto';

export interface InitTime {
  name: string;
  bundleBytes: number;
  zipBytes: number;
  importMs: number;
  bareMs: number;
  overBareMs: number;
  runs: number;
  /** Why the bundle could not be imported with the environment given (its configuration is checked at init); no times then. */
  error?: string;
}

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return ms;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function measureInitTime(name: string, env: Record<string, string>, runs: number, distDir = join(ROOT, 'dist'), label = name): InitTime {
  const file = join(distDir, name, 'index.mjs');
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`make build\` first.`);
  const childEnv = { ...process.env, ...env, NODE_OPTIONS: '' };
  const importArgs = ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)})`];
  const bareArgs = ['--input-type=module', '-e', ''];
  const zip = join(distDir, `${name}.zip`);
  const sizes = { name: label, bundleBytes: statSync(file).size, zipBytes: existsSync(zip) ? statSync(zip).size : 0 };
  try {
    wallMs(importArgs, childEnv); // file cache warm-up, as a Lambda host has the package on local disk
  } catch (error) {
    // The thrown error's own line (`SomethingError: …`), not the minified source line Node prints above it.
    const lines = (error as Error).message.split('\n');
    const firstLine = lines.find((l) => /^\s*[A-Za-z]*Error(\s\[[A-Z_]+\])?: /.test(l)) ?? lines[0] ?? '';
    return { ...sizes, importMs: Number.NaN, bareMs: Number.NaN, overBareMs: Number.NaN, runs: 0, error: firstLine.trim().slice(0, 200) };
  }
  const imports: number[] = [];
  const bares: number[] = [];
  for (let i = 0; i < runs; i++) {
    bares.push(wallMs(bareArgs, childEnv));
    imports.push(wallMs(importArgs, childEnv));
  }
  const importMs = median(imports);
  const bareMs = median(bares);
  return {
    ...sizes,
    importMs,
    bareMs,
    overBareMs: importMs - bareMs,
    runs,
  };
}
