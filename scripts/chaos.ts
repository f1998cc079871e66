// `make chaos`: the fault suite on the local AWS. One table, one row per
// scenario; exits non-zero unless every scenario has lost = 0,
// double-applied = 0 and projection == oracle.
import { parseArgs } from 'node:util';
import { SCENARIOS, formatTable, runScenario, type ScenarioResult, type Size } from './lib/chaos';
import { buildFunctions } from './build';
import { freePort, startMoto } from './local/moto';

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
try {
  for (const scenario of selected) {
    console.error(`chaos: ${scenario.name} — ${scenario.describe}`);
    results.push(await runScenario(aws.endpoint, scenario, size));
  }
} finally {
  await aws.stop();
}
console.log(formatTable(results));
const failed = results.filter((r) => r.failures.length > 0);
for (const r of failed) console.log(`FAILED ${r.scenario}: ${r.failures.join('; ')}`);
console.log(failed.length === 0 ? `chaos: all ${results.length} scenarios passed (lost = 0, double-applied = 0, projection == oracle)` : `chaos: ${failed.length} of ${results.length} scenarios failed`);
process.exit(failed.length === 0 ? 0 : 1);
