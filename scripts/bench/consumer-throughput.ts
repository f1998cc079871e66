// In-process throughput of a consumer: `concurrency` execution environments
// (each its own handler instance, as Lambda gives each concurrent invocation
// its own environment) take batches of up to `batchSize` records from one
// queue until it is empty, as the event source mapping does when the queue is
// deep. Records a batch fails come back at the end of the queue (what SQS does
// after the visibility timeout, without the wait).
//
// All environments share this process and so one core, like the local runner
// (scripts/local/event-source-mapping.ts); the DynamoDB stub runs in its own
// process. CPU per record is this process's CPU time over the run.
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from '../local/lambda-runtime';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface ThroughputOptions {
  batchSize: number;
  concurrency: number;
  /** Width of the timeline buckets, ms. */
  bucketMs: number;
  /** A record failed this many times is given up (counted, not retried). */
  maxReceives?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface ThroughputResult {
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  eventsPerSecondPerEnvironment: number;
  batches: number;
  batchMs: Percentiles;
  meanBatchMs: number;
  cpuMicrosPerRecord: number;
  /** Record failures (each retried at the end of the queue) and records given up after maxReceives. */
  recordFailures: number;
  givenUp: number;
  /** Events completed per bucket of `bucketMs`, from the start. */
  timeline: number[];
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export async function runInProcess(records: SQSRecord[], newEnvironment: () => SqsHandler, options: ThroughputOptions): Promise<ThroughputResult> {
  const maxReceives = options.maxReceives ?? 5;
  const queue = records.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '1' } }));
  const durations: number[] = [];
  const timeline: number[] = [];
  let recordFailures = 0;
  let givenUp = 0;
  let completed = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();

  async function environment(handler: SqsHandler): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, options.batchSize);
      const context = lambdaContext('bench-consumer', 30_000, 'us-east-1', '123456789012');
      const t0 = performance.now();
      let failed: Set<string>;
      try {
        const response = await handler({ Records: batch }, context);
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch {
        failed = new Set(batch.map((r) => r.messageId));
      }
      const t1 = performance.now();
      durations.push(t1 - t0);
      const done = batch.length - failed.size;
      completed += done;
      const bucket = Math.floor((t1 - started) / options.bucketMs);
      while (timeline.length <= bucket) timeline.push(0);
      timeline[bucket]! += done;
      for (const record of batch.filter((r) => failed.has(r.messageId))) {
        recordFailures += 1;
        const receives = Number(record.attributes.ApproximateReceiveCount) + 1;
        if (receives > maxReceives) givenUp += 1;
        else queue.push({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(receives) } });
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => environment(newEnvironment())));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const eventsPerSecond = (completed * 1000) / elapsedMs;
  return {
    events: completed,
    elapsedMs,
    eventsPerSecond,
    eventsPerSecondPerEnvironment: eventsPerSecond / options.concurrency,
    batches: durations.length,
    batchMs: percentiles(durations),
    meanBatchMs: durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length),
    cpuMicrosPerRecord: (cpu.user + cpu.system) / Math.max(1, records.length),
    recordFailures,
    givenUp,
    timeline,
  };
}
