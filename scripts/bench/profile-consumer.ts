// Where the product consumer's CPU goes: runs it in-process against the
// DynamoDB stub (no latency, so the profile is all CPU) under `node
// --cpu-prof`, then sums self time by package (node_modules/<package>, our
// shared/<area>, node internals, GC) from the .cpuprofile.
//
//   npx tsx scripts/bench/profile-consumer.ts [--events 3000] [--env IDEMPOTENCY_ENABLED=false]
//
// Run as the profiled child itself when PROFILE_CHILD=1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT } from '../local/moto';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by package and the top functions, from a V8 .cpuprofile. */
export function summariseProfile(profile: CpuProfile, top = 25): { byPackage: Array<[string, number]>; byFunction: Array<[string, number]>; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    total += micros;
    const url = frame.url;
    const pkg = url.includes('node_modules/')
      ? url.split('node_modules/').pop()!.split('/').slice(0, url.split('node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/')
      : url.startsWith('node:') || url === ''
        ? frame.functionName.startsWith('(') ? frame.functionName : `node:${url.replace('node:', '') || 'native'}`
        : url.replace(`file://${ROOT}`, '').split('/').slice(0, 3).join('/');
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    const fn = `${frame.functionName || '(anonymous)'} ${pkg}`;
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { byPackage: sorted(packages), byFunction: sorted(functions), totalMs: total / 1000 };
}

async function child(): Promise<void> {
  const { startStubProcess } = await import('./stub-process');
  const { createTables, runConfiguration, LIMITS } = await import('./consumer-inprocess');
  const { useLocalAws } = await import('../local/aws-env');
  const { generateBurst } = await import('../lib/event-generator');
  const { buildOracle } = await import('../lib/oracle');
  const { captureFunctionLogs } = await import('../local/function-logs');
  const events = Number(process.env.PROFILE_EVENTS ?? 3000);
  const env = JSON.parse(process.env.PROFILE_ENV ?? '{}') as Record<string, string>;
  const batchSize = Number(process.env.PROFILE_BATCH_SIZE ?? 10);
  const stub = await startStubProcess({ latencyMs: 0, sigma: 0 });
  useLocalAws(stub.url);
  process.env.AWS_ENDPOINT_URL_SQS = 'http://127.0.0.1:9';
  await createTables(stub);
  const now = Date.now();
  const { lines } = generateBurst({ count: events, poisonRatio: 0, duplicateRatio: 0.1, seed: 5, now });
  const work = { lines, oracle: buildOracle(lines, { ...LIMITS, now: () => now }), uniques: lines.slice(0, 10), duplicates: lines.slice(0, 2) };
  const logs = captureFunctionLogs(join(ROOT, '.local', 'logs', 'bench-profile.log'));
  const result = await runConfiguration(stub, { name: 'product', label: 'product', batchSize, env }, work, { concurrency: 1, bucketMs: 1000 });
  logs.restore();
  await stub.close();
  console.log(JSON.stringify({ cpuMicrosPerRecord: result.throughput.cpuMicrosPerRecord, eventsPerSecond: result.throughput.eventsPerSecond, oracle: result.correctness.wrongEntities }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string' }, env: { type: 'string', multiple: true }, 'batch-size': { type: 'string' } }, strict: true });
  const env = Object.fromEntries((values.env ?? []).map((kv) => kv.split('=', 2) as [string, string]));
  const dir = mkdtempSync(join(tmpdir(), 'consumer-profile-'));
  const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', join(ROOT, 'scripts/bench/profile-consumer.ts')], {
    cwd: ROOT,
    env: { ...process.env, PROFILE_CHILD: '1', PROFILE_EVENTS: values.events ?? '3000', PROFILE_ENV: JSON.stringify(env), PROFILE_BATCH_SIZE: values['batch-size'] ?? '10' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`profiled run failed with status ${run.status}`);
  const stats = run.stdout.toString().trim().split('\n').pop()!;
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f))[0]!;
  const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  console.log(`profile: ${file}\nrun: ${stats}\nself time ${summary.totalMs.toFixed(0)} ms in all (setup included)`);
  console.log('\nby package:');
  for (const [k, ms] of summary.byPackage) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)}%  ${k}`);
  console.log('\ntop functions:');
  for (const [k, ms] of summary.byFunction) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.env.PROFILE_CHILD === '1') await child();
  else await main();
}
