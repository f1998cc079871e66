// Per function: bundle bytes and module init time, as the median wall time of
// fresh `node` processes that import the bundle, against fresh `node`
// processes that import nothing, measured alternately in the same run (so
// machine load falls on both alike). The difference is what the bundle adds
// to a cold start's init phase; Lambda's own runtime start is not in it.
// Each process also reports the CPU time it used (user + system), which a
// loaded machine stretches far less than the wall time: on a shared build
// machine that is the steadier figure.
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
  /** Median CPU time (user + system) of the importing processes, of the bare ones, and the difference. */
  importCpuMs: number;
  bareCpuMs: number;
  overBareCpuMs: number;
  runs: number;
  /** Why the bundle could not be imported with the environment given (its configuration is checked at init); no times then. */
  error?: string;
}

/** Wall time of a fresh node process, and the CPU time it reports for itself at the end of its script. */
function run(args: string[], env: NodeJS.ProcessEnv): { wallMs: number; cpuMs: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return { wallMs: ms, cpuMs: Number(result.stdout.toString().trim().split('\n').pop()) };
}

const REPORT_CPU = 'const u = process.cpuUsage(); console.log((u.user + u.system) / 1000);';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function measureInitTime(name: string, env: Record<string, string>, runs: number, distDir = join(ROOT, 'dist'), label = name): InitTime {
  const file = join(distDir, name, 'index.mjs');
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`make build\` first.`);
  const childEnv = { ...process.env, ...env, NODE_OPTIONS: '' };
  const importArgs = ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)}); ${REPORT_CPU}`];
  const bareArgs = ['--input-type=module', '-e', REPORT_CPU];
  const zip = join(distDir, `${name}.zip`);
  const sizes = { name: label, bundleBytes: statSync(file).size, zipBytes: existsSync(zip) ? statSync(zip).size : 0 };
  try {
    run(importArgs, childEnv); // file cache warm-up, as a Lambda host has the package on local disk
  } catch (error) {
    // The thrown error's own line (`SomethingError: …`), not the minified source line Node prints above it.
    const lines = (error as Error).message.split('\n');
    const firstLine = lines.find((l) => /^\s*[A-Za-z]*Error(\s\[[A-Z_]+\])?: /.test(l)) ?? lines[0] ?? '';
    const none = Number.NaN;
    return { ...sizes, importMs: none, bareMs: none, overBareMs: none, importCpuMs: none, bareCpuMs: none, overBareCpuMs: none, runs: 0, error: firstLine.trim().slice(0, 200) };
  }
  const imports: Array<{ wallMs: number; cpuMs: number }> = [];
  const bares: Array<{ wallMs: number; cpuMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    bares.push(run(bareArgs, childEnv));
    imports.push(run(importArgs, childEnv));
  }
  const importMs = median(imports.map((r) => r.wallMs));
  const bareMs = median(bares.map((r) => r.wallMs));
  const importCpuMs = median(imports.map((r) => r.cpuMs));
  const bareCpuMs = median(bares.map((r) => r.cpuMs));
  return {
    ...sizes,
    importMs,
    bareMs,
    overBareMs: importMs - bareMs,
    importCpuMs,
    bareCpuMs,
    overBareCpuMs: importCpuMs - bareCpuMs,
    runs,
  };
}
