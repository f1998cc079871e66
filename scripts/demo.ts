// `make demo`: the event path end to end on the embedded local AWS. Generates
// a burst of Genesys events (duplicates, full shuffle, poison, unknown
// topics), replays it through EventBridge → SQS → the consumer bundle →
// DynamoDB with a live progress line, and compares the projection with the
// oracle. Exits 0 only on a clean verdict.
//
// ORDERING_ENABLED=1 (make demo ORDERING=1) turns on the ordering buffer:
// the events then arrive in event-time order moved by at most --disorder
// places (default 20: a few seconds at most at the demo's rate on a busy
// machine, inside the default 5 s hold window; "full" keeps the
// full shuffle), the replay waits for every release, and a feed verdict
// follows the projection verdict.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { generateBurst } from './lib/event-generator';
import { buildOracle, verifyProjection } from './lib/oracle';
import { boundedDisorder, verifyFeed } from './lib/feed-verdict';
import { readFeed } from './lib/feed';
import { seededRandom } from './lib/random';
import { orderingFromEnvironment } from './local/provision';
import { SQSClient } from '@aws-sdk/client-sqs';
import { replayLines, type ReplayProgress, type ReplaySummary } from './lib/replay';
import { buildFunctions } from './build';
import { ROOT } from './local/moto';
import { startLocalSession, type LocalSession } from './local/session';

function positive(name: string, raw: string | undefined, fallback: number, { integer = true, max = Infinity } = {}): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name}=${raw} is invalid: expected ${integer ? 'an integer' : 'a number'} between 0 and ${max}.`);
  }
  return value;
}

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    entities: { type: 'string' },
    duplicates: { type: 'string' },
    poison: { type: 'string' },
    seed: { type: 'string' },
    disorder: { type: 'string' },
  },
  strict: true,
});

const count = positive('events', values.events, 10_000);
const entities = positive('entities', values.entities, 300);
const duplicateRatio = positive('duplicates', values.duplicates, 0.1, { integer: false, max: 0.9 });
const poisonRatio = positive('poison', values.poison, 0.005, { integer: false, max: 0.5 });
const seed = positive('seed', values.seed, 20261124);
const ordering = orderingFromEnvironment();
const disorder = values.disorder === 'full' ? 'full' : positive('disorder', values.disorder, 20);

let lastPlainLine = 0;
const progressLine = (p: ReplayProgress) => {
  // Without a terminal (CI logs) one line every 5 s is enough.
  if (!process.stderr.isTTY && Date.now() - lastPlainLine < 5000) return;
  lastPlainLine = Date.now();
  const line = `published ${p.published}/${p.total}  processed ${p.processed}  ${p.perSecond.toFixed(0)}/s  buffer ${p.bufferDepth}  dlq ${p.dlqDepth}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(100)}`);
  else process.stderr.write(`${line}\n`);
};

async function main(): Promise<number> {
  console.log('demo: building the function bundles');
  const [bundle] = await buildFunctions(ordering.enabled ? ['event-consumer', 'ordering-release'] : ['event-consumer']);
  console.log(`demo: event-consumer bundle ${(bundle!.bytes / 1024).toFixed(0)} KiB (zip ${(bundle!.zipBytes / 1024).toFixed(0)} KiB)`);
  console.log('demo: starting the local AWS (moto) and provisioning the event path from terraform/');
  const session = await startLocalSession({ ordering });
  try {
    const burst = generateBurst({ count, entities, duplicateRatio, poisonRatio, seed, now: Date.now() });
    const orderingStack = session.stack.ordering;
    if (orderingStack) {
      if (disorder !== 'full') burst.lines = boundedDisorder(burst.lines, disorder, seededRandom(seed + 1));
      console.log(
        `demo: ordering buffer on: hold ${orderingStack.holdSeconds} s, late events ${orderingStack.lateEvents}; ` +
          (disorder === 'full' ? 'arrivals fully shuffled' : `arrivals in event-time order moved by up to ${disorder} places`),
      );
    }
    const dir = join(ROOT, '.local', 'demo');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, `${burst.lines.join('\n')}\n`);
    console.log(
      `demo: generated ${burst.counts.total} events over ~${entities} entities (${burst.counts.duplicates} duplicates, ` +
        `${Object.values(burst.counts.poison).reduce((a, b) => a + (b ?? 0), 0)} poison, ${burst.counts.unknownTopic} unknown topics, ` +
        `${burst.counts.transcription} transcription events with ${burst.counts.utterances} utterances, shuffled) → ${file}`,
    );
    const logFile = join(dir, 'event-consumer.log');
    rmSync(logFile, { force: true });
    const summary = await replayLines(session.stack, burst.lines, { onProgress: progressLine, progressIntervalMs: 1000, logFile });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const defaults = session.stack.spec.defaults;
    const oracle = buildOracle(burst.lines, {
      maxEventBytes: defaults.max_event_bytes,
      maxFutureSkewMs: defaults.event_future_skew_seconds * 1000,
    });
    const verdict = await verifyProjection(new DynamoDBClient({}), session.stack.projectionTable, oracle);
    const report = {
      events: summary.lines,
      published: summary.published,
      injectedDirect: summary.injected,
      projected: summary.projected,
      stale: summary.stale,
      duplicates: summary.duplicates,
      deadLettered: summary.deadLettered,
      elapsedSeconds: +(summary.elapsedMs / 1000).toFixed(1),
      eventsPerSecond: summary.eventsPerSecond,
      invocations: summary.invocations,
      wholeBatchFailures: summary.wholeBatchFailures,
      ...(summary.lastBatchFailure ? { lastBatchFailure: summary.lastBatchFailure } : {}),
      ...(summary.deleteFailures ? { deleteFailures: summary.deleteFailures, lastDeleteError: summary.lastDeleteError } : {}),
      projectionItems: verdict.storedItems,
      oracleItems: verdict.expectedItems,
      lost: verdict.lost,
      doubleApplied: verdict.doubleApplied,
      mismatched: verdict.mismatched,
      unexpected: verdict.unexpected,
    };
    console.log('demo report');
    for (const [k, v] of Object.entries(report)) console.log(`  ${k.padEnd(16)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    const deadLetteredCount = Object.values(summary.deadLettered).reduce((a, b) => a + b, 0);
    const poisonCount = Object.values(oracle.invalid).reduce((a, b) => a + (b ?? 0), 0);
    const handled = summary.projected + summary.stale + summary.duplicates + deadLetteredCount;
    // SQS delivers at least once, so a redelivery may be handled twice (as a
    // duplicate); fewer handled records than events would mean a loss.
    console.log(`  accounting       ${handled} records handled for ${summary.lines} events; ${deadLetteredCount} dead-lettered for ${poisonCount} poison`);
    const clean = verdict.matches && handled >= summary.lines && deadLetteredCount >= poisonCount;
    const limits = { maxEventBytes: defaults.max_event_bytes, maxFutureSkewMs: defaults.event_future_skew_seconds * 1000 };
    const feedClean = orderingStack ? await feedVerdict(orderingStack, burst.lines, limits, summary) : true;
    console.log(
      clean
        ? `VERDICT: CLEAN — projection == oracle for ${verdict.expectedItems} items, lost = 0, double-applied = 0, every poison event in the DLQ with its reason`
        : `VERDICT: FAILED — lost = ${verdict.lost}, double-applied = ${verdict.doubleApplied}, mismatched = ${verdict.mismatched}, unexpected = ${verdict.unexpected}, handled ${handled}/${summary.lines}, dead-lettered ${deadLetteredCount}/${poisonCount}${verdict.examples.length ? `; e.g. ${verdict.examples.join('; ')}` : ''}`,
    );
    return clean && feedClean ? 0 : 1;
  } finally {
    await session.stop();
  }
}

async function feedVerdict(
  orderingStack: NonNullable<LocalSession['stack']['ordering']>,
  lines: string[],
  limits: { maxEventBytes: number; maxFutureSkewMs: number },
  summary: ReplaySummary,
): Promise<boolean> {
  const feed = await readFeed(new SQSClient({}), orderingStack.feedQueueUrl);
  const release = summary.ordering;
  const v = verifyFeed(lines, limits, feed, {
    holdSeconds: orderingStack.holdSeconds,
    lateEvents: orderingStack.lateEvents,
    droppedLate: release?.droppedLate ?? 0,
  });
  console.log('feed report');
  const report = {
    feedMessages: v.messages,
    entities: v.entities,
    acceptedEvents: v.accepted,
    inOrder: v.inOrder,
    reorderedByBuffer: v.reordered,
    late: v.late,
    droppedLate: v.droppedLate,
    orderViolations: v.orderViolations,
    duplicates: v.duplicates,
    missing: v.missing,
    unexpected: v.unexpected,
    maxArrivalDisorder: `${(v.maxArrivalDisorderMs / 1000).toFixed(2)} s (hold ${v.holdSeconds} s)`,
    releaseRuns: release ? `${release.entities} entity releases for ${release.triggers} triggers, ${release.rearmed} re-armed, ${release.releaseInvocations} invocations` : 'n/a',
  };
  for (const [k, value] of Object.entries(report)) console.log(`  ${k.padEnd(18)} ${value}`);
  console.log(
    v.clean
      ? `FEED VERDICT: CLEAN — ${v.messages} messages over ${v.entities} entities: non-late messages strictly increasing by order key per entity, every one of ${v.accepted} accepted events exactly once (${v.inOrder} in order, ${v.late} marked late${v.droppedLate ? `, ${v.droppedLate} dropped late` : ''}); late ${v.late + v.droppedLate} with arrival disorder up to ${(v.maxArrivalDisorderMs / 1000).toFixed(2)} s against a ${v.holdSeconds} s window`
      : `FEED VERDICT: FAILED — order violations ${v.orderViolations}, duplicates ${v.duplicates}, missing ${v.missing}, unexpected ${v.unexpected}, late ${v.late + v.droppedLate} (arrival disorder up to ${(v.maxArrivalDisorderMs / 1000).toFixed(2)} s, hold ${v.holdSeconds} s)${v.examples.length ? `; e.g. ${v.examples.join('; ')}` : ''}`,
  );
  return v.clean;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(2);
  },
);
