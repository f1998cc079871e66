// Smoke of the messaging section of `make bench`: the forwarder bundle on the
// local AWS drains a small queue through the Genesys double, and both naive
// baselines run. Nothing about speed is asserted (make bench measures it).
import { it, expect } from 'vitest';
import { formatDispatcherTable, runDispatcherBench } from '../../scripts/lib/dispatcher-bench';
import { formatBenchTable, runMessagingBench } from '../../scripts/lib/messaging-bench';
import { resetMoto } from '../../scripts/local/moto';
import { localAwsEndpoint } from './local-aws';

it('runs the forwarder and the naive baselines end to end and reports every message', async () => {
  const endpoint = localAwsEndpoint();
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

it('runs the dispatcher bench on the local AWS (DynamoDB on moto), one platform per phase, and measures at the platform double', async () => {
  const endpoint = localAwsEndpoint();
  const report = await runDispatcherBench({ rates: { telegram: 3, whatsapp: 3 }, seconds: 2, instances: 2, conversations: 3, dynamoDb: 'moto', awsEndpoint: endpoint, build: false });
  expect(report.phases.map((p) => p.platforms)).toEqual([['telegram'], ['whatsapp']]);
  for (const row of report.rows) {
    expect(row.delivery, row.platform).toMatchObject({ expected: 6, deliveredOnce: 6, lost: 0, duplicated: 0, conversationsOutOfOrder: 0 });
    expect(row.receiptsDelivered, row.platform).toBe(6);
    expect(row.rates.sends, row.platform).toBe(6);
  }
  // Three chats with two replies each: the spacing is measured per chat (its figures are the bench's, not asserted).
  expect(report.rows[0]!.chatSpacing).toMatchObject({ chats: 3, minGapMs: expect.any(Number) });
  expect(formatDispatcherTable(report)).toContain('max / 1 s');
});
