// Both consumers end to end on the local AWS: events published to the bus
// (PutEvents → rules → SQS buffer), the local event source mapping invoking
// the consumer (the product: its esbuild bundle, as it ships; the baseline:
// its module), DynamoDB in moto. Lag is per record, from the buffer's
// SentTimestamp (the rule delivered the event) to the end of the invocation
// that committed it. Each consumer gets a fresh local AWS.
//
// What bounds the run is read from CPU time: the moto server is one Python
// process (its threads share the GIL), so when it is busy close to one core
// for the run it is the ceiling, whatever the consumer does.
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { documentClient, dynamoDbClient } from '../../shared/aws/clients';
import { startLocalSession } from '../local/session';
import { cpuMsOf } from './process-cpu';
import { generateBurst } from '../lib/event-generator';
import { buildOracle, compareEntityItems, verifyProjection } from '../lib/oracle';
import { replayLines } from '../lib/replay';
import { BASELINE_KEY, createBaselineConsumer } from './baseline-consumer';
import type { ConsumerBenchOptions } from './consumer-bench';
import { LIMITS, type Configuration, type ConfigurationName } from './consumer-inprocess';
import { percentiles, type Percentiles } from './consumer-throughput';

export interface EndToEndResult {
  name: ConfigurationName;
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  lagMs: Percentiles;
  /** [seconds from the first publish, median lag ms of the records committed in that second]. */
  lagTimeline: Array<[number, number]>;
  verdict: string;
  matches: boolean;
  /** Share of one core the moto server used over the run, and share of the consumer environments' time spent in invocations. */
  motoCpuShare: number;
  consumerBusyShare: number;
  boundBy: string;
}

const BASELINE_TABLE = 'bench-baseline';

async function scanAll(ddb: DynamoDBClient, table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let ExclusiveStartKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export async function runEndToEnd(configurations: Configuration[], options: ConsumerBenchOptions, log: (line: string) => void): Promise<EndToEndResult[]> {
  const now = Date.now();
  const { lines } = generateBurst({ count: options.e2eEvents, poisonRatio: 0, duplicateRatio: 0.1, shuffle: true, seed: options.seed + 7, now });
  const oracle = buildOracle(lines, { ...LIMITS, now: () => now });
  const results: EndToEndResult[] = [];
  for (const configuration of configurations) {
    log(`bench: ${configuration.name} end to end on the local AWS, ${lines.length} events`);
    const envBefore = { ...process.env };
    const session = await startLocalSession({});
    try {
      const ddb = new DynamoDBClient({});
      const lags: Array<{ at: number; lag: number }> = [];
      let busyMs = 0;
      let firstSent = Number.POSITIVE_INFINITY;
      let lastEnd = 0;
      const onInvocationEnd = (records: SQSRecord[], failed: Set<string> | 'all', endedAt: number) => {
        if (failed === 'all') return;
        for (const r of records) {
          if (failed.has(r.messageId)) continue;
          const sent = Number(r.attributes.SentTimestamp);
          firstSent = Math.min(firstSent, sent);
          lastEnd = Math.max(lastEnd, endedAt);
          lags.push({ at: endedAt, lag: endedAt - sent });
        }
      };
      // Time inside invocations, for the busy share.
      const timed = (handler: (e: SQSEvent, c: never) => Promise<SQSBatchResponse | void>) => async (event: SQSEvent, context: never) => {
        const t = Date.now();
        try {
          return await handler(event, context);
        } finally {
          busyMs += Date.now() - t;
        }
      };
      let loadEnvironment: (() => Promise<(e: SQSEvent, c: never) => Promise<SQSBatchResponse | void>>) | undefined;
      if (configuration.name === 'baseline') {
        await ddb.send(
          new CreateTableCommand({
            TableName: BASELINE_TABLE,
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: [{ AttributeName: BASELINE_KEY, KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: BASELINE_KEY, AttributeType: 'S' }],
          }),
        );
        loadEnvironment = async () => timed(createBaselineConsumer(documentClient(dynamoDbClient()), BASELINE_TABLE, LIMITS));
      } else {
        const { loadBundle } = await import('../local/lambda-runtime');
        const { consumerEnvironment } = await import('../local/provision');
        const env = consumerEnvironment(session.stack, { POWERTOOLS_LOG_LEVEL: 'INFO', ...configuration.env });
        loadEnvironment = async () => timed(await loadBundle<SQSEvent, SQSBatchResponse>('event-consumer', env));
      }
      const motoBefore = cpuMsOf(session.pid);
      const started = Date.now();
      const summary = await replayLines(session.stack, lines, {
        settings: { batchSize: configuration.batchSize },
        ...(configuration.env ? { consumerEnv: configuration.env } : {}),
        loadEnvironment: loadEnvironment as never,
        onInvocationEnd,
        drainTimeoutMs: 600_000,
      });
      // From the first event the rule delivered: the environments' cold starts happen before publishing and count for neither consumer.
      const elapsedMs = Math.max(1, lastEnd - firstSent);
      const motoAfter = cpuMsOf(session.pid);
      const wall = Date.now() - started;
      const motoCpuShare = motoBefore !== undefined && motoAfter !== undefined ? (motoAfter - motoBefore) / wall : Number.NaN;
      const concurrency = session.stack.spec.defaults.consumer_max_concurrency;
      const consumerBusyShare = busyMs / (wall * concurrency);

      let verdict: string;
      let matches: boolean;
      if (configuration.name === 'baseline') {
        const items = (await scanAll(ddb, BASELINE_TABLE)) as Array<{ entity: string; orderKey: string }>;
        const c = compareEntityItems(items, oracle);
        verdict = `${c.wrongEntities} of ${c.entities} entities wrong`;
        matches = c.wrongEntities === 0;
      } else {
        const v = await verifyProjection(ddb, session.stack.projectionTable, oracle);
        matches = v.matches;
        verdict = `${v.matches ? 'matches' : 'MISMATCH'} (${v.lost} lost, ${v.mismatched + v.unexpected} wrong, ${v.doubleApplied} double)`;
      }
      const buckets = new Map<number, number[]>();
      for (const { at, lag } of lags) {
        const second = Math.floor((at - started) / 1000);
        buckets.set(second, [...(buckets.get(second) ?? []), lag]);
      }
      const lagTimeline = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([s, values]) => [s + 1, percentiles(values).p50] as [number, number]);
      const boundBy =
        motoCpuShare >= 0.75
          ? `local AWS: moto busy ${(motoCpuShare * 100).toFixed(0)}% of one core (one Python process), consumer busy ${(consumerBusyShare * 100).toFixed(0)}%`
          : consumerBusyShare >= 0.75
            ? // Time inside invocations is mostly waiting on DynamoDB in moto, which
              // applies item writes one at a time under a lock (moto_server.py):
              // the rate then follows writes per event, not the consumer's speed.
              `local DynamoDB writes, serialised by moto's lock: invocations busy ${(consumerBusyShare * 100).toFixed(0)}% waiting on them, moto ${(motoCpuShare * 100).toFixed(0)}% of a core (machine shared)`
            : `neither saturated (moto ${(motoCpuShare * 100).toFixed(0)}% of a core, consumer busy ${(consumerBusyShare * 100).toFixed(0)}%): publishing and polling`;
      results.push({
        name: configuration.name,
        events: lags.length,
        elapsedMs,
        eventsPerSecond: (lags.length * 1000) / elapsedMs,
        lagMs: percentiles(lags.map((l) => l.lag)),
        lagTimeline,
        verdict,
        matches,
        motoCpuShare,
        consumerBusyShare,
        boundBy,
      });
      void summary;
      ddb.destroy();
    } finally {
      await session.stop();
      for (const key of Object.keys(process.env)) if (!(key in envBefore)) delete process.env[key];
      Object.assign(process.env, envBefore);
    }
  }
  return results;
}
