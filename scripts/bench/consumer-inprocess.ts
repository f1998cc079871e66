// The consumers in-process against the DynamoDB latency stub: the product with
// every guarantee on, the product as pure projection, and the guides'
// baseline, on the same events and the same stub, at the same concurrency.
// Per configuration: throughput and batch durations, CPU per record, DynamoDB
// requests per event by operation (SDK middleware) and capacity units (the
// stub's accounting), correctness against the oracle.
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { documentClient, dynamoDbClient, sqsClient } from '../../shared/aws/clients';
import { readConsumerConfig } from '../../shared/consumer/config';
import { createEventConsumer } from '../../shared/consumer/event-consumer';
import type { StubStats } from '../local/dynamodb-stub';
import { toSqsRecord } from '../local/event-source-mapping';
import { compareEntityItems, compareWithOracle, type Comparison, type Oracle, type StoredItem } from '../lib/oracle';
import { BASELINE_KEY, createBaselineConsumer } from './baseline-consumer';
import { runInProcess, type SqsHandler, type ThroughputResult } from './consumer-throughput';
import { countRequests, writesIn, type RequestCounts } from './request-counter';
import type { StubProcess } from './stub-process';

export const TABLES = { projection: 'bench-projection', idempotency: 'bench-idempotency', baseline: 'bench-baseline' } as const;

export type ConfigurationName = 'product' | 'pure-projection' | 'baseline';

export interface Configuration {
  name: ConfigurationName;
  label: string;
  batchSize: number;
  /** The consumer's environment (product only). */
  env?: Record<string, string>;
}

export interface CapacityPerEvent {
  requests: Record<string, number>;
  requestsTotal: number;
  writes: number;
  writeUnits: number;
  readUnits: number;
}

export interface InProcessResult {
  configuration: Configuration;
  throughput: ThroughputResult;
  perEvent: CapacityPerEvent;
  /** Writes per new event and per duplicate copy, from a separate pass that sends them apart. */
  writesPerNewEvent: number;
  writesPerDuplicate: number;
  correctness: Comparison & { doubleApplied: number };
}

export const LIMITS = { maxEventBytes: 262_144, maxFutureSkewMs: 300_000 };

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:bench-buffer';

export const toRecords = (lines: string[], prefix: string): SQSRecord[] =>
  lines.map((body, i) =>
    toSqsRecord({ MessageId: `${prefix}-${i}`, ReceiptHandle: `${prefix}-r${i}`, Body: body, Attributes: { SentTimestamp: String(Date.now()) } }, QUEUE_ARN, 'us-east-1'),
  );

/** A fresh execution environment of the configuration: its own clients and handler, every DynamoDB request counted. */
function environmentFactory(configuration: Configuration, counts: RequestCounts): () => SqsHandler {
  return () => {
    if (configuration.name === 'baseline') {
      const dynamoDb = dynamoDbClient();
      countRequests(dynamoDb, counts);
      return createBaselineConsumer(documentClient(dynamoDb), TABLES.baseline, LIMITS) as SqsHandler;
    }
    // As functions/event-consumer/handler.ts wires it.
    const dynamoDb = dynamoDbClient({ cacheMiddleware: true });
    countRequests(dynamoDb, counts);
    return createEventConsumer({
      config: readConsumerConfig({
        PROJECTION_TABLE: TABLES.projection,
        IDEMPOTENCY_TABLE: TABLES.idempotency,
        BUFFER_QUEUE_URL: 'http://127.0.0.1:9/123456789012/bench-buffer',
        BUFFER_DLQ_URL: 'http://127.0.0.1:9/123456789012/bench-buffer-dlq',
        AWS_LAMBDA_FUNCTION_NAME: 'bench-consumer',
        ...configuration.env,
      }),
      // INFO, the Terraform default: the batch summary line is part of the cost.
      logger: new Logger({ serviceName: 'event-consumer', logLevel: 'INFO' }),
      dynamoDb,
      // Nothing in these runs is dead-lettered or held back; an SQS call
      // would fail (nothing listens there) and show up as a record failure.
      sqs: sqsClient(),
    });
  };
}

function capacity(before: StubStats, after: StubStats, counts: RequestCounts, events: number): CapacityPerEvent {
  let writeUnits = 0;
  let readUnits = 0;
  for (const [op, s] of Object.entries(after.operations)) {
    writeUnits += s.writeUnits - (before.operations[op]?.writeUnits ?? 0);
    readUnits += s.readUnits - (before.operations[op]?.readUnits ?? 0);
  }
  const requests = Object.fromEntries(Object.entries(counts).map(([op, n]) => [op, n / events]));
  return {
    requests,
    requestsTotal: Object.values(counts).reduce((a, b) => a + b, 0) / events,
    writes: writesIn(counts) / events,
    writeUnits: writeUnits / events,
    readUnits: readUnits / events,
  };
}

async function correctness(stub: StubProcess, configuration: Configuration, oracle: Oracle): Promise<InProcessResult['correctness']> {
  const stats = await stub.stats();
  if (configuration.name === 'baseline') {
    const items = await stub.items<{ entity: string; orderKey: string }>(TABLES.baseline);
    return { ...compareEntityItems(items, oracle), doubleApplied: stats.tables[TABLES.baseline]?.doubleApplied ?? 0 };
  }
  const items = await stub.items<StoredItem>(TABLES.projection);
  return { ...compareWithOracle(items, oracle), doubleApplied: stats.tables[TABLES.projection]?.doubleApplied ?? 0 };
}

export interface Workload {
  lines: string[];
  oracle: Oracle;
  /** Distinct events and, separately, copies of some of them under new envelope ids. */
  uniques: string[];
  duplicates: string[];
}

/** One measured run of one configuration on an empty stub. */
export async function runConfiguration(
  stub: StubProcess,
  configuration: Configuration,
  workload: Workload,
  options: { concurrency: number; bucketMs: number },
): Promise<InProcessResult> {
  await stub.reset();
  const counts: RequestCounts = {};
  const before = await stub.stats();
  const throughput = await runInProcess(toRecords(workload.lines, configuration.name), environmentFactory(configuration, counts), {
    batchSize: configuration.batchSize,
    concurrency: options.concurrency,
    bucketMs: options.bucketMs,
  });
  const after = await stub.stats();
  const verdict = await correctness(stub, configuration, workload.oracle);

  // Writes per new event, then per duplicate: the same environment, the two kinds sent apart.
  await stub.reset();
  const phase: RequestCounts = {};
  const newEnvironment = environmentFactory(configuration, phase);
  const settings = { batchSize: configuration.batchSize, concurrency: 1, bucketMs: options.bucketMs };
  await runInProcess(toRecords(workload.uniques, `${configuration.name}-u`), newEnvironment, settings);
  const writesForNew = writesIn(phase);
  await runInProcess(toRecords(workload.duplicates, `${configuration.name}-d`), newEnvironment, settings);
  const writesForDuplicates = writesIn(phase) - writesForNew;

  return {
    configuration,
    throughput,
    perEvent: capacity(before, after, counts, workload.lines.length),
    writesPerNewEvent: writesForNew / Math.max(1, workload.uniques.length),
    writesPerDuplicate: writesForDuplicates / Math.max(1, workload.duplicates.length),
    correctness: verdict,
  };
}

export async function createTables(stub: StubProcess): Promise<void> {
  await stub.createTable(TABLES.projection, 'entity', 'aspect');
  await stub.createTable(TABLES.idempotency, 'id');
  await stub.createTable(TABLES.baseline, BASELINE_KEY);
}
