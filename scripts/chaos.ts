// `make chaos`: the fault suite on the local AWS. One table, one row per
// scenario; exits non-zero unless every scenario has lost = 0,
// double-applied = 0 and projection == oracle (and its other checks hold:
// every duplicate recognised, every poison event dead-lettered under its
// reason, no more batches in flight than the maximum concurrency).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENTS, SCENARIOS, runScenario, type ScenarioResult, type Size } from './lib/chaos-scenarios';
import { formatTable } from './lib/chaos-table';
import { buildFunctions } from './build';
import { ROOT, freePort, startMoto } from './local/moto';

const { values } = parseArgs({ options: { fast: { type: 'boolean' }, only: { type: 'string' } }, strict: true });
const size: Size = values.fast ? 'fast' : 'full';
const selected = values.only ? SCENARIOS.filter((s) => s.name === values.only) : SCENARIOS;
if (selected.length === 0) {
  console.error(`chaos: unknown scenario "${values.only}"; choose one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

await buildFunctions(['event-consumer']);
const aws = await startMoto({ port: process.env.LOCAL_AWS_PORT ? Number(process.env.LOCAL_AWS_PORT) : await freePort() });
const results: ScenarioResult[] = [];
const started = Date.now();
try {
  for (const scenario of selected) {
    console.error(`chaos: ${scenario.name} — ${scenario.describe}`);
    const result = await runScenario(aws.endpoint, scenario, size);
    console.error(`chaos: ${scenario.name} done in ${result.wallSeconds.toFixed(0)} s${result.failures.length ? `: FAILED (${result.failures.join('; ')})` : ''}`);
    results.push(result);
  }
} finally {
  await aws.stop();
}
const dir = join(ROOT, '.local', 'chaos');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `results-${size}.json`), JSON.stringify(results, null, 2));
console.log(`chaos: ${selected.length} scenarios, ~${EVENTS[size]} events each, 10% duplicates (new envelope ids), full shuffle; ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${((Date.now() - started) / 60_000).toFixed(1)} min`);
console.log(formatTable(results));
const failed = results.filter((r) => r.failures.length > 0);
for (const r of failed) console.log(`FAILED ${r.scenario}: ${r.failures.join('; ')}`);
console.log(
  failed.length === 0
    ? `chaos: all ${results.length} scenarios passed (lost = 0, double-applied = 0, projection == oracle)`
    : `chaos: ${failed.length} of ${results.length} scenarios failed`,
);
process.exit(failed.length === 0 ? 0 : 1);
