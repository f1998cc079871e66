// Replays EventBridge events through the local event path: publish them to the
// bus with PutEvents (source, detail-type, time and detail kept), run the local
// event source mapping over the consumer bundle until the buffer is drained and
// nothing is in flight, and summarise what became of them. With the ordering
// buffer on, a second mapping runs the release function over the release
// queue, and the replay waits until the buffer has released everything.
//
// Lines PutEvents cannot carry (not JSON, no detail object) are what a broken
// producer would write straight to the buffer; they are sent there as they
// are, so the consumer dead-letters them with their reason.
import { join } from 'node:path';
import { PutEventsCommand, EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { firstDuplicateKey } from '../../shared/genesys/json-guard';
import { addTally, deadLetteredTotal, emptyTally, type BatchTally } from '../../shared/consumer/tally';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local/aws-env';
import { LocalEventSourceMapping, emptyMappingStats, queueDepth, type MappingSettings, type MappingStats } from '../local/event-source-mapping';
import { captureFunctionLogs } from '../local/function-logs';
import { loadBundle, type BundleHandler } from '../local/lambda-runtime';
import { ROOT } from '../local/moto';
import { consumerEnvironment, releaseEnvironment, type LocalStack } from '../local/provision';
import type { ReleaseTally } from '../../shared/ordering/release-batch';

export interface ReplayProgress {
  published: number;
  total: number;
  processed: number;
  perSecond: number;
  bufferDepth: number;
  dlqDepth: number;
}

export interface ReplayOptions {
  rate?: number;
  settings?: Partial<MappingSettings>;
  consumerEnv?: Record<string, string>;
  /** Extra environment of the ordering release function (when the ordering buffer is on). */
  releaseEnv?: Record<string, string>;
  onProgress?: (progress: ReplayProgress) => void;
  progressIntervalMs?: number;
  drainTimeoutMs?: number;
  logFile?: string;
  /** false: only publish, leave consuming to another runner (the chaos suite's killable process). */
  consume?: boolean;
  /** Loads one execution environment; default: a cold start of the consumer bundle (`make bench` passes the guides' baseline). */
  loadEnvironment?: () => Promise<BundleHandler<SQSEvent, SQSBatchResponse | void>>;
  /** See LocalEventSourceMapping's onInvocationEnd. */
  onInvocationEnd?: (records: SQSRecord[], failed: Set<string> | 'all', endedAt: number) => void;
  /** Where the consumer bundle is (default dist/). */
  bundleDir?: string;
}

export interface ReplaySummary {
  lines: number;
  published: number;
  injected: number;
  rejected: number;
  projected: number;
  stale: number;
  duplicates: number;
  deadLettered: Record<string, number>;
  retriedAttempts: number;
  invocations: number;
  /** Invocations that failed as a whole (error, timeout or invalid response) and why the last one did. */
  wholeBatchFailures: number;
  timedOutInvocations: number;
  lastBatchFailure?: string;
  /** Handled records whose deletion failed even after retries (they come back as replays). */
  deleteFailures: number;
  /** Most batches and records the runner held at once (backpressure: ≤ max concurrency, ≤ max concurrency × batch size). */
  peakBatchesInFlight: number;
  peakRecordsInFlight: number;
  /** Records the consumer failed without a store call (circuit open), and times its circuit breakers opened. */
  shortCircuited: number;
  circuitOpened: number;
  /** Events whose detail.topicName did not follow their detail-type (stored by the detail-type). */
  topicMismatch: number;
  lastDeleteError?: string;
  /** The ordering buffer's releases, when it is on. */
  ordering?: ReleaseTally & { releaseInvocations: number; releaseBatchFailures: number };
  elapsedMs: number;
  eventsPerSecond: number;
}

export function mappingSettingsFor(stack: LocalStack, overrides: Partial<MappingSettings> = {}): MappingSettings {
  const d = stack.spec.defaults;
  return {
    batchSize: d.consumer_batch_size,
    batchingWindowMs: d.consumer_batching_window_seconds * 1000,
    maxConcurrency: d.consumer_max_concurrency,
    functionTimeoutMs: d.consumer_timeout_seconds * 1000,
    ...overrides,
  };
}

type Publishable = { kind: 'event'; entry: PutEventsRequestEntry; raw: string } | { kind: 'raw'; raw: string };

/** EventBridge refuses a PutEvents entry over 256 KiB (moto does not check): such a line can only reach the buffer directly. */
const EVENTBRIDGE_MAX_ENTRY_BYTES = 256 * 1024;

export function toPublishable(line: string, busName: string): Publishable {
  if (Buffer.byteLength(line, 'utf8') > EVENTBRIDGE_MAX_ENTRY_BYTES) return { kind: 'raw', raw: line };
  // Re-serialising would silently drop a repeated key; send such a line as written.
  if (firstDuplicateKey(line) !== undefined) return { kind: 'raw', raw: line };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'raw', raw: line };
  }
  const e = parsed as Record<string, unknown>;
  const detail = e?.detail;
  if (
    !e || typeof e !== 'object' || typeof e['detail-type'] !== 'string' || typeof e.source !== 'string' ||
    !detail || typeof detail !== 'object' || Array.isArray(detail)
  ) {
    return { kind: 'raw', raw: line };
  }
  const time = typeof e.time === 'string' ? new Date(e.time) : undefined;
  return {
    kind: 'event',
    raw: line,
    entry: {
      EventBusName: busName,
      Source: e.source,
      DetailType: e['detail-type'],
      Detail: JSON.stringify(detail),
      ...(time && Number.isFinite(time.getTime()) ? { Time: time } : {}),
    },
  };
}

const PUT_EVENTS_MAX = 10;
const PUBLISHERS = 4;

export async function replayLines(stack: LocalStack, lines: string[], options: ReplayOptions = {}): Promise<ReplaySummary> {
  const sqs = new SQSClient({});
  const events = new EventBridgeClient({});
  const started = Date.now();
  const dlqBefore = await queueDepth(sqs, stack.bufferDlqUrl);

  // The bundle reads its configuration from process.env (as in Lambda); put
  // back whatever this replay changed so the next one starts clean.
  const envBefore = { ...process.env };
  let mapping: LocalEventSourceMapping | undefined;
  let releases: LocalEventSourceMapping | undefined;
  const logs = captureFunctionLogs(options.logFile ?? join(ROOT, '.local', 'logs', 'event-consumer.log'), {
    ignoreRequest: (requestId) => mapping?.timedOutRequests.has(requestId) === true || releases?.timedOutRequests.has(requestId) === true,
  });
  let timer: NodeJS.Timeout | undefined;
  const counters = { published: 0, injected: 0, rejected: 0 };
  try {
    const env = consumerEnvironment(stack, options.consumerEnv);
    const consume = options.consume !== false;
    if (consume) mapping = new LocalEventSourceMapping(
      sqs,
      { url: stack.bufferQueueUrl, arn: stack.bufferQueueArn },
      options.loadEnvironment ?? (() => loadBundle<SQSEvent, SQSBatchResponse>('event-consumer', env, options.bundleDir)),
      mappingSettingsFor(stack, options.settings),
      { functionName: `${stack.spec.defaults.name_prefix}-consumer`, region: LOCAL_REGION, account: LOCAL_ACCOUNT },
      options.onInvocationEnd,
    );
    await mapping?.start();
    if (consume && stack.ordering) {
      const fn = stack.spec.ordering.releaseFunction;
      releases = new LocalEventSourceMapping(
        sqs,
        { url: stack.ordering.releaseQueueUrl, arn: stack.ordering.releaseQueueArn },
        () => loadBundle<SQSEvent, SQSBatchResponse>('ordering-release', { ...releaseEnvironment(stack), ...options.releaseEnv }),
        // batch_size 10 and no batching window, as terraform/modules/ordering-buffer maps it.
        { batchSize: 10, batchingWindowMs: 0, maxConcurrency: fn.maxConcurrency, functionTimeoutMs: fn.timeoutSeconds * 1000 },
        { functionName: fn.name, region: LOCAL_REGION, account: LOCAL_ACCOUNT },
      );
      await releases.start();
    }

    const items = lines.filter((l) => l.trim() !== '').map((l) => toPublishable(l, stack.busName));
    const total = items.length;
    if (options.onProgress) {
      let lastProcessed = 0;
      let lastAt = Date.now();
      const tick = async () => {
        const [buffer, dlq] = await Promise.all([queueDepth(sqs, stack.bufferQueueUrl), queueDepth(sqs, stack.bufferDlqUrl)]).catch(() => [undefined, undefined]);
        const processed = mapping?.stats.recordsDeleted ?? 0;
        const now = Date.now();
        const perSecond = ((processed - lastProcessed) * 1000) / Math.max(1, now - lastAt);
        lastProcessed = processed;
        lastAt = now;
        options.onProgress!({
          published: counters.published + counters.injected,
          total,
          processed,
          perSecond,
          bufferDepth: buffer ? buffer.visible + buffer.inFlight + buffer.delayed : -1,
          dlqDepth: dlq ? dlq.visible + dlq.inFlight - dlqBefore.visible - dlqBefore.inFlight : -1,
        });
      };
      timer = setInterval(() => void tick(), options.progressIntervalMs ?? 500);
    }

    const chunks: Publishable[][] = [];
    for (let i = 0; i < items.length; i += PUT_EVENTS_MAX) chunks.push(items.slice(i, i + PUT_EVENTS_MAX));
    let next = 0;
    let sent = 0;
    const publisher = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        if (options.rate && options.rate > 0) {
          const dueAt = started + (sent / options.rate) * 1000;
          sent += chunk.length;
          const wait = dueAt - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        await publishChunk(events, sqs, stack, chunk, counters);
      }
    };
    const publishers = options.rate && options.rate > 0 ? 1 : PUBLISHERS;
    await Promise.all(Array.from({ length: publishers }, publisher));
    await mapping?.drained({ timeoutMs: options.drainTimeoutMs ?? 900_000 });
    // Every trigger was sent before its record left the buffer queue, and a
    // release re-arms before its trigger is deleted: an empty release queue
    // (delayed messages included) means nothing is left to release.
    await releases?.drained({ timeoutMs: options.drainTimeoutMs ?? 900_000 });
  } finally {
    if (timer) clearInterval(timer);
    await mapping?.stop();
    await releases?.stop();
    logs.restore();
    for (const key of Object.keys(process.env)) if (!(key in envBefore)) delete process.env[key];
    Object.assign(process.env, envBefore);
  }

  const dlqAfter = await queueDepth(sqs, stack.bufferDlqUrl);
  const tally: BatchTally = addTally(emptyTally(), logs.tally);
  const dlqGrowth = dlqAfter.visible + dlqAfter.inFlight - dlqBefore.visible - dlqBefore.inFlight;
  const deadLettered: Record<string, number> = { ...tally.deadLettered };
  // Messages the redrive policy moved after maxReceiveCount carry no reason of ours.
  const exhausted = dlqGrowth - deadLetteredTotal(tally);
  if (exhausted > 0) deadLettered['retries-exhausted'] = exhausted;
  const elapsedMs = Date.now() - started;
  const stats: MappingStats = mapping?.stats ?? emptyMappingStats();
  return {
    lines: lines.filter((l) => l.trim() !== '').length,
    ...counters,
    projected: tally.projected,
    stale: tally.stale,
    duplicates: tally.duplicate,
    deadLettered,
    retriedAttempts: stats.recordsFailed,
    invocations: stats.invocations,
    wholeBatchFailures: stats.wholeBatchFailures,
    timedOutInvocations: mapping?.timedOutRequests.size ?? 0,
    ...(mapping?.lastBatchFailure ? { lastBatchFailure: mapping.lastBatchFailure } : {}),
    deleteFailures: stats.deleteFailures,
    peakBatchesInFlight: stats.peakBatchesInFlight,
    peakRecordsInFlight: stats.peakRecordsInFlight,
    shortCircuited: tally.shortCircuited,
    circuitOpened: tally.circuitOpened,
    topicMismatch: tally.topicMismatch,
    ...(mapping?.lastDeleteError ? { lastDeleteError: mapping.lastDeleteError } : {}),
    ...(releases ? { ordering: { ...logs.release, releaseInvocations: releases.stats.invocations, releaseBatchFailures: releases.stats.wholeBatchFailures } } : {}),
    elapsedMs,
    eventsPerSecond: Math.round(((counters.published + counters.injected) * 1000) / Math.max(1, elapsedMs)),
  };
}

async function publishChunk(
  events: EventBridgeClient,
  sqs: SQSClient,
  stack: LocalStack,
  chunk: Publishable[],
  counters: { published: number; injected: number; rejected: number },
): Promise<void> {
  const entries = chunk.filter((p): p is Extract<Publishable, { kind: 'event' }> => p.kind === 'event');
  const direct: string[] = chunk.filter((p) => p.kind === 'raw').map((p) => p.raw);
  if (entries.length > 0) {
    const result = await events.send(new PutEventsCommand({ Entries: entries.map((p) => p.entry) }));
    (result.Entries ?? []).forEach((entry, i) => {
      if (entry.ErrorCode) direct.push(entries[i]!.raw);
      else counters.published += 1;
    });
  }
  for (const body of direct) {
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: stack.bufferQueueUrl, MessageBody: body }));
      counters.injected += 1;
    } catch {
      counters.rejected += 1;
    }
  }
}
