// Smoke of the messaging section of `make bench`: the forwarder bundle on the
// local AWS drains a small queue through the Genesys double, and both naive
// baselines run. Nothing about speed is asserted (make bench measures it).
import { inject, it, expect } from 'vitest';
import { formatBenchTable, runMessagingBench } from '../../scripts/lib/messaging-bench';
import { resetMoto } from '../../scripts/local/moto';

it('runs the forwarder and the naive baselines end to end and reports every message', async () => {
  const endpoint = inject('awsEndpoint');
  await resetMoto(endpoint);
  const report = await runMessagingBench({ limitPerMinute: 6000, windows: 0, messages: 30, conversations: 6, naiveConcurrency: 5, awsEndpoint: endpoint, build: false });
  expect(report.rows.map((r) => r.forwarder)).toEqual([
    expect.stringContaining('gateway forwarder'),
    expect.stringContaining('no retry'),
    expect.stringContaining('retry after 1 s'),
  ]);
  for (const row of report.rows) expect(row).toMatchObject({ messages: 30, delivered: 30, lost: 0 });
  expect(formatBenchTable(report.rows, 6000)).toContain('goodput / limit');
});
