// The fault suite: each scenario replays a generated burst (the demo's
// generator: duplicates with new envelope ids, full shuffle) through the local
// event path under one kind of fault, then checks the projection against the
// demo's oracle and the table's stream for double applies. Every DynamoDB call
// the consumer makes goes through the fault-injecting proxy, which also
// counts them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { addTally, emptyTally, type BatchTally } from '../../shared/consumer/tally';
import { ALL_POISON_KINDS, generateBurst, type GeneratorOptions } from './event-generator';
import { buildOracle, verifyProjection } from './oracle';
import { replayLines, type ReplaySummary } from './replay';
import { useLocalAws } from '../local/aws-env';
import { queueDepth } from '../local/event-source-mapping';
import { startFaultProxy, type FaultProxy } from '../local/fault-proxy';
import { ROOT, resetMoto } from '../local/moto';
import { provisionLocalStack, type LocalStack } from '../local/provision';

export type Size = 'full' | 'fast';

export interface ScenarioResult {
  scenario: string;
  eventsIn: number;
  projected: number;
  stale: number;
  /** Copies recognised as duplicates by idempotency, and extra copies sent. */
  duplicates: number;
  duplicatesSent: number;
  deadLettered: Record<string, number>;
  lost: number;
  doubleApplied: number;
  oracleMatch: boolean;
  wallSeconds: number;
  dynamoDbCalls: number;
  dynamoDbCallsPerEvent: number;
  /** What the fault did, in a few words (breaker opens, records in flight at the kill, …). */
  notes: string[];
  failures: string[];
}

interface ScenarioContext {
  stack: LocalStack;
  lines: string[];
  proxy: FaultProxy;
  size: Size;
  consumerEnv: Record<string, string>;
  notes: string[];
}

export interface Scenario {
  name: string;
  describe: string;
  burst(size: Size): Partial<GeneratorOptions>;
  run(ctx: ScenarioContext): Promise<ReplaySummary>;
  /** Overrides of Terraform defaults for this scenario's local stack. */
  stackOverrides?: { consumer_timeout_seconds?: number };
  /** Scenario-specific checks on the replay summary; each returned string is a failure. */
  check?(summary: ReplaySummary): string[];
}

/** Events per scenario: `make chaos` and the fast versions in `make test`. */
export const EVENTS: Record<Size, number> = { full: 3000, fast: 200 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const allDynamoDb = (call: { target: string }) => call.target.startsWith('DynamoDB_20120810.');

export const SCENARIOS: Scenario[] = [
  {
    name: 'runner-killed',
    describe: 'the event source mapping runs as its own process; it is SIGKILLed mid-batch and restarted',
    // A short timeout, so the killed batch's messages (invisible for 6x the
    // timeout) come back in 36 s instead of 3 minutes; long enough for a whole
    // batch of 100 on the local AWS, which applies writes one at a time (10-20
    // ms each with the machine loaded: at 3 s, batches missed their deadline
    // and spent receives the kill is not about).
    stackOverrides: { consumer_timeout_seconds: 6 },
    burst: () => ({}),
    async run({ stack, lines, consumerEnv, notes }) {
      await replayLines(stack, lines, { consume: false });
      const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
      const stackFile = join(dir, 'stack.json');
      writeFileSync(stackFile, JSON.stringify(stack));
      const sqs = new SQSClient({});
      const before = await queueDepth(sqs, stack.bufferQueueUrl);
      const firstLog = join(dir, 'first-runner.log');
      const first = startRunner(stackFile, consumerEnv, firstLog);
      // Kill once a few batches are done and others are in flight.
      let inFlightAtKill = 0;
      for (let i = 0; i < 1200; i++) {
        const depth = await queueDepth(sqs, stack.bufferQueueUrl);
        inFlightAtKill = depth.inFlight;
        if (before.visible - depth.visible >= 40 && depth.inFlight > 0) break;
        if (first.child.exitCode !== null) throw new Error(`the first runner exited before it could be killed: ${first.stderr().slice(-500)}`);
        await sleep(50);
      }
      first.child.kill('SIGKILL');
      await first.exited;
      notes.push(`killed with ${inFlightAtKill} in flight`);
      const second = startRunner(stackFile, consumerEnv, join(dir, 'second-runner.log'));
      const code = await second.exited;
      if (code !== 0) throw new Error(`restarted runner exited with ${code}: ${second.stderr().slice(-500)}`);
      const summary = JSON.parse(second.stdout().trim().split('\n').at(-1)!) as ReplaySummary;
      // The killed runner printed no summary; its batch summaries are in its
      // log. The batch it was killed in logged nothing and was handled again.
      const killed = tallyFromLog(firstLog);
      summary.projected += killed.projected;
      summary.stale += killed.stale;
      summary.duplicates += killed.duplicate;
      for (const [reason, n] of Object.entries(killed.deadLettered)) summary.deadLettered[reason] = (summary.deadLettered[reason] ?? 0) + (n ?? 0);
      return summary;
    },
  },
  {
    name: 'dynamodb-20pct-faults',
    describe: '20% of DynamoDB calls fail: 10% throttled (ThrottlingException), 10% HTTP 500',
    burst: () => ({}),
    async run({ stack, lines, proxy, consumerEnv }) {
      proxy.setRules([
        { matches: allDynamoDb, kind: 'throttle', ratio: 0.1 },
        // of the 90% left
        { matches: allDynamoDb, kind: 'server-error', ratio: 0.1 / 0.9 },
      ]);
      return replayLines(stack, lines, { consumerEnv });
    },
  },
  {
    name: 'store-unreachable',
    describe: 'every DynamoDB connection is dropped for 60 s (fast: 8 s), then the store is back',
    burst: () => ({}),
    async run({ stack, lines, proxy, size, consumerEnv, notes }) {
      const outageMs = size === 'full' ? 60_000 : 8_000;
      let refusedBefore = 0;
      const outage = (async () => {
        await sleep(size === 'full' ? 5_000 : 1_000);
        refusedBefore = proxy.refused;
        proxy.outage = true;
        await sleep(outageMs);
        proxy.outage = false;
      })();
      const summary = await replayLines(stack, lines, { consumerEnv });
      await outage;
      notes.push(`${proxy.refused - refusedBefore} calls refused in ${outageMs / 1000} s`);
      return summary;
    },
    check: (summary) => (summary.circuitOpened === 0 ? ['the circuit breaker never opened during the outage'] : []),
  },
  {
    name: 'poison-2pct',
    describe: '2% poison of every kind: not JSON, not an envelope, detail missing or not an object, wrong types, negative / unparseable / future time, too deep, 1 MiB, duplicate keys, invalid UTF-8',
    // The fast run needs enough events for one of each of the 12 kinds.
    burst: (size) => ({ poisonRatio: 0.02, poisonKinds: ALL_POISON_KINDS, ...(size === 'fast' ? { count: 600 } : {}) }),
    run: ({ stack, lines, consumerEnv }) => replayLines(stack, lines, { consumerEnv }),
  },
  {
    name: 'hot-entity',
    describe: '30% of events on one conversation',
    burst: () => ({ hotEntityRatio: 0.3 }),
    run: ({ stack, lines, consumerEnv }) => replayLines(stack, lines, { consumerEnv }),
  },
];

function tallyFromLog(file: string): BatchTally {
  const tally = emptyTally();
  if (!existsSync(file)) return tally;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"batch summary"')) continue;
    try {
      addTally(tally, (JSON.parse(line) as { tally: BatchTally }).tally);
    } catch {
      // the last line may be cut off by the kill
    }
  }
  return tally;
}

function startRunner(stackFile: string, consumerEnv: Record<string, string>, logFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/local/run-consumer.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_STACK_FILE: stackFile, CONSUMER_ENV_JSON: JSON.stringify(consumerEnv), CONSUMER_LOG_FILE: logFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

export async function runScenario(endpoint: string, scenario: Scenario, size: Size, seed = 424242): Promise<ScenarioResult> {
  useLocalAws(endpoint);
  await resetMoto(endpoint);
  const stack = await provisionLocalStack(scenario.stackOverrides ?? {});
  const proxy = await startFaultProxy(endpoint);
  const consumerEnv = {
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
    // Quicker retries than production so a run takes minutes, not hours;
    // the shapes (jitter, throttle and open-circuit holds) are the production ones.
    RETRY_BACKOFF_BASE_SECONDS: '2',
    RETRY_BACKOFF_CAP_SECONDS: size === 'full' ? '60' : '16',
    BREAKER_HALF_OPEN_AFTER_SECONDS: size === 'full' ? '5' : '2',
    ...(size === 'fast' ? { IDEMPOTENCY_IN_PROGRESS_SECONDS: '6' } : {}),
  };
  const burst = generateBurst({ count: EVENTS[size], duplicateRatio: 0.1, shuffle: true, seed, now: Date.now(), ...scenario.burst(size) });
  const notes: string[] = [];
  const started = Date.now();
  try {
    const summary = await scenario.run({ stack, lines: burst.lines, proxy, size, consumerEnv, notes });
    const wallSeconds = (Date.now() - started) / 1000;
    const dynamoDbCalls = proxy.forwarded + proxy.refused + proxy.injected.reduce((a, b) => a + b, 0);
    proxy.outage = false;
    proxy.setRules([]);
    const defaults = stack.spec.defaults;
    const oracle = buildOracle(burst.lines, { maxEventBytes: defaults.max_event_bytes, maxFutureSkewMs: defaults.event_future_skew_seconds * 1000 });
    const verdict = await verifyProjection(new DynamoDBClient({}), stack.projectionTable, oracle);

    const failures: string[] = [];
    const lost = verdict.lost + verdict.mismatched + verdict.unexpected;
    if (lost > 0) failures.push(`lost ${lost} (${verdict.examples.join('; ')})`);
    if (verdict.doubleApplied > 0) failures.push(`double-applied ${verdict.doubleApplied}`);
    if (!verdict.matches) failures.push('projection != oracle');
    // Idempotency: every extra copy of an event must be recognised as a duplicate.
    if (summary.duplicates < burst.counts.duplicates) {
      failures.push(`duplicates recognised ${summary.duplicates} < duplicate copies sent ${burst.counts.duplicates}`);
    }
    // Every poison event in the DLQ under its own reason; nothing else there.
    for (const [reason, expected] of Object.entries(oracle.invalid)) {
      const got = summary.deadLettered[reason] ?? 0;
      if (got < (expected ?? 0)) failures.push(`dead-lettered ${reason} ${got} < poison sent ${expected}`);
    }
    for (const reason of Object.keys(summary.deadLettered)) {
      if (!(reason in oracle.invalid)) failures.push(`${summary.deadLettered[reason]} dead-lettered as ${reason}, which no event sent deserved`);
    }
    // Backpressure: never more batches at once than the maximum concurrency.
    if (summary.peakBatchesInFlight > defaults.consumer_max_concurrency) {
      failures.push(`${summary.peakBatchesInFlight} batches in flight > max concurrency ${defaults.consumer_max_concurrency}`);
    }
    failures.push(...(scenario.check?.(summary) ?? []));
    if (summary.circuitOpened > 0) notes.push(`breaker opened ${summary.circuitOpened}x; ${summary.shortCircuited} deliveries failed fast, no call`);
    return {
      scenario: scenario.name,
      eventsIn: burst.counts.total,
      projected: summary.projected,
      stale: summary.stale,
      duplicates: summary.duplicates,
      duplicatesSent: burst.counts.duplicates,
      deadLettered: summary.deadLettered,
      lost,
      doubleApplied: verdict.doubleApplied,
      oracleMatch: verdict.matches,
      wallSeconds,
      dynamoDbCalls,
      dynamoDbCallsPerEvent: dynamoDbCalls / Math.max(1, burst.counts.total),
      notes,
      failures,
    };
  } finally {
    await proxy.close();
  }
}
