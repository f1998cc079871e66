// `make bench` in miniature (its --smoke sizes): it runs on this machine and
// writes a well-formed result file and chart. No timing is asserted: speed is
// measured by `make bench`, never tested.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConsumerBenchResult } from '../../scripts/bench/consumer-bench';
import type { DispatcherBenchReport } from '../../scripts/lib/dispatcher-bench';
import { ROOT } from '../../scripts/local/moto';

/** `scripts/bench.ts --smoke --section <section>` into a fresh directory; it must exit 0. */
function smokeRun(section: string): { stdout: string; outDir: string } {
  const outDir = mkdtempSync(join(tmpdir(), `bench-smoke-${section}-`));
  const run = spawnSync('npx', ['tsx', 'scripts/bench.ts', '--smoke', '--section', section, '--out-dir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
    // Its own local AWS on free ports, not the suite's.
    env: { ...process.env, AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_DYNAMODB: '', LOCAL_AWS_PORT: '' },
    timeout: 280_000,
  });
  expect(run.status, run.stderr + run.stdout).toBe(0);
  return { stdout: run.stdout, outDir };
}

describe('make bench (smoke)', () => {
  it('runs both consumers in-process and end to end and writes the result and the chart', () => {
    const run = smokeRun('consumer');
    const outDir = run.outDir;
    expect(run.stdout).toContain('in-process');
    expect(run.stdout).toContain('end to end (local AWS)');
    const files = readdirSync(outDir);
    const json = files.find((f) => f.endsWith('.json'));
    const svg = files.find((f) => f.endsWith('.svg'));
    expect(json && svg, files.join(', ')).toBeTruthy();
    const result = JSON.parse(readFileSync(join(outDir, json!), 'utf8')) as ConsumerBenchResult;
    for (const name of ['baseline', 'product', 'pure-projection'] as const) {
      const r = result.inProcess[name];
      expect(r.throughput.events, name).toBe(result.options.events);
      expect(r.throughput.batches, name).toBeGreaterThan(0);
      expect(r.perEvent.writes, name).toBeGreaterThan(0);
      expect(result.cost[name].totalUsd, name).toBeGreaterThan(0);
    }
    // The product is exact in every run; the baseline is allowed to be wrong.
    expect(result.inProcess.product.correctness).toMatchObject({ wrongEntities: 0, doubleApplied: 0 });
    expect(result.inProcess['pure-projection'].correctness).toMatchObject({ wrongEntities: 0, doubleApplied: 0 });
    expect(result.endToEnd.map((e) => e.name)).toEqual(['baseline', 'product']);
    expect(result.endToEnd.find((e) => e.name === 'product')?.matches).toBe(true);
    expect(result.functions.map((f) => f.name)).toContain('event-consumer');
    expect(result.functions.every((f) => f.bundleBytes > 0)).toBe(true);
    expect(result.functions.find((f) => f.name === 'event-consumer')).toMatchObject({ runs: 3 });
    expect(result.functions.find((f) => f.name === 'event-consumer')?.error).toBeUndefined();
    const chart = readFileSync(join(outDir, svg!), 'utf8');
    expect(chart.startsWith('<svg')).toBe(true);
    expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
  }, 300_000);

  it('runs the dispatcher part tiny (a burst through ingest, the bundle, the doubles) and writes its fields', () => {
    const run = smokeRun('dispatcher');
    const outDir = run.outDir;
    expect(run.stdout).toContain('bench dispatcher:');
    expect(run.stdout).toMatch(/bound by /);
    const json = readdirSync(outDir).find((f) => f.startsWith('messaging-') && f.endsWith('.json'));
    expect(json).toBeTruthy();
    const result = JSON.parse(readFileSync(join(outDir, json!), 'utf8')) as { machine: string; dispatcher: DispatcherBenchReport };
    expect(result.machine).toMatch(/CPUs/);
    const report = result.dispatcher;
    expect(report).toMatchObject({ dynamoDb: 'stub', queuedVia: 'ingest', seconds: 1 });
    expect(report.phases).toHaveLength(1);
    expect(report.phases[0]!.boundBy.length).toBeGreaterThan(0);
    expect(report.rows.map((r) => r.platform)).toEqual(['line', 'telegram', 'viber', 'whatsapp']);
    for (const row of report.rows) {
      // Every reply reached its platform once, in order, with its Delivered receipt; nothing refused.
      expect(row.delivery, row.platform).toEqual({ expected: row.rates.sends, deliveredOnce: row.rates.sends, lost: 0, duplicated: 0, conversationsOutOfOrder: 0 });
      expect(row.receiptsDelivered, row.platform).toBe(row.delivery.expected);
      expect(row.rateRefusals, row.platform).toBe(0);
      expect(row.maxOfRate, row.platform).toBeGreaterThan(0);
    }
    expect(report.rows.find((r) => r.platform === 'telegram')?.chatSpacing?.chats).toBeGreaterThan(0);
  }, 300_000);
});
