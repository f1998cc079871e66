// The fault suite's fast versions (`make chaos` runs the full ones): a few
// hundred events per scenario, duplicates and shuffle on. Each must end with
// nothing lost, nothing applied twice, the projection equal to the oracle,
// every duplicate copy recognised by idempotency and every poison event in
// the DLQ under its reason.
import { describe, expect, it } from 'vitest';
import { SCENARIOS, runScenario } from '../../scripts/lib/chaos-scenarios';
import { formatTable } from '../../scripts/lib/chaos-table';
import { localAwsEndpoint } from './local-aws';

describe('fault suite (fast)', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const result = await runScenario(localAwsEndpoint(), scenario, 'fast');
    console.log(formatTable([result]));
    // All of a scenario's failures at once, each naming what went wrong.
    expect(result.failures).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.doubleApplied).toBe(0);
    expect(result.oracleMatch).toBe(true);
    expect(result.duplicates).toBeGreaterThanOrEqual(result.duplicatesSent);
  });
});
