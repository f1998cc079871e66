// The fault suite: each scenario replays a generated burst (duplicates with
// new envelope ids, full shuffle) through the local event path under one kind
// of fault, then checks the projection against the oracle and the table's
// stream for double applies. Every DynamoDB call goes through the
// fault-injecting proxy, which also counts them.
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
  duplicates: number;
  expectedDuplicates: number;
  deadLettered: Record<string, number>;
  poisonSent: number;
  lost: number;
  doubleApplied: number;
  oracleMatch: boolean;
  wallSeconds: number;
  dynamoDbCallsPerEvent: number;
  failures: string[];
}

interface Scenario {
  name: string;
  describe: string;
  burst(size: Size): Partial<GeneratorOptions>;
  /** Whether the consumer's own tally is complete (not when a runner is killed). */
  tallyComplete: boolean;
  run(ctx: { stack: LocalStack; lines: string[]; proxy: FaultProxy; size: Size; consumerEnv: Record<string, string> }): Promise<ReplaySummary>;
  /** Overrides of Terraform defaults for this scenario's local stack. */
  stackOverrides?: { consumer_timeout_seconds?: number };
}

const count = (size: Size, full: number, fast: number) => (size === 'full' ? full : fast);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const allDynamoDb = (call: { target: string }) => call.target.startsWith('DynamoDB_20120810.');

export const SCENARIOS: Scenario[] = [
  {
    name: 'runner-killed',
    describe: 'the event source mapping process is SIGKILLed mid-batch and restarted',
    tallyComplete: true,
    stackOverrides: { consumer_timeout_seconds: 3 },
    burst: (size) => ({ count: count(size, 2000, 200) }),
    async run({ stack, lines, consumerEnv }) {
      await replayLines(stack, lines, { consume: false });
      const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
      const stackFile = join(dir, 'stack.json');
      writeFileSync(stackFile, JSON.stringify(stack));
      const sqs = new SQSClient({});
      const before = await queueDepth(sqs, stack.bufferQueueUrl);
      const firstLog = join(dir, 'first-runner.log');
      const first = startRunner(stackFile, consumerEnv, firstLog);
      // Kill once a few batches are done and others are in flight.
      for (let i = 0; i < 600; i++) {
        const depth = await queueDepth(sqs, stack.bufferQueueUrl);
        if (before.visible - depth.visible >= 40 && depth.inFlight > 0) break;
        await sleep(50);
      }
      first.child.kill('SIGKILL');
      await first.exited;
      const second = startRunner(stackFile, consumerEnv, join(dir, 'second-runner.log'));
      const code = await second.exited;
      if (code !== 0) throw new Error(`restarted runner exited with ${code}: ${second.stderr().slice(-500)}`);
      const summary = JSON.parse(second.stdout().trim().split('\n').at(-1)!) as ReplaySummary;
      // The killed runner printed no summary; its batch summaries are in its log
      // (the batch it was killed in logged nothing, and was handled again).
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
    describe: '20% of DynamoDB calls fail (10% throttling, 10% HTTP 500)',
    tallyComplete: true,
    burst: (size) => ({ count: count(size, 2000, 200) }),
    async run({ stack, lines, proxy, consumerEnv }) {
      proxy.setRules([
        { matches: allDynamoDb, kind: 'throttle', ratio: 0.1 },
        { matches: allDynamoDb, kind: 'server-error', ratio: 0.1 / 0.9 },
      ]);
      return replayLines(stack, lines, { consumerEnv });
    },
  },
  {
    name: 'store-unreachable',
    describe: 'the projection store is unreachable for 60 s (fast: 8 s), then back',
    tallyComplete: true,
    burst: (size) => ({ count: count(size, 2000, 200) }),
    async run({ stack, lines, proxy, size, consumerEnv }) {
      const outageMs = count(size, 60_000, 8_000);
      const outage = (async () => {
        await sleep(count(size, 5_000, 1_000));
        proxy.outage = true;
        await sleep(outageMs);
        proxy.outage = false;
      })();
      const summary = await replayLines(stack, lines, { consumerEnv });
      await outage;
      return summary;
    },
  },
  {
    name: 'poison-2pct',
    describe: '2% poison of every kind (invalid JSON, not an envelope, detail missing or not an object, wrong types, negative, unparseable and future times, too deep, duplicate keys, invalid UTF-8)',
    tallyComplete: true,
    burst: (size) => ({ count: count(size, 2000, 550), poisonRatio: 0.02, poisonKinds: ALL_POISON_KINDS }),
    run: ({ stack, lines, consumerEnv }) => replayLines(stack, lines, { consumerEnv }),
  },
  {
    name: 'hot-entity',
    describe: '30% of events on one conversation',
    tallyComplete: true,
    burst: (size) => ({ count: count(size, 2000, 200), hotEntityRatio: 0.3 }),
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
    // the shapes (jitter, open-circuit hold) are the production ones.
    RETRY_BACKOFF_BASE_SECONDS: '2',
    RETRY_BACKOFF_CAP_SECONDS: size === 'full' ? '60' : '20',
    BREAKER_HALF_OPEN_AFTER_SECONDS: size === 'full' ? '5' : '2',
  };
  const burst = generateBurst({ duplicateRatio: 0.1, shuffle: true, seed, now: Date.now(), ...scenario.burst(size) });
  const started = Date.now();
  try {
    const summary = await scenario.run({ stack, lines: burst.lines, proxy, size, consumerEnv });
    const wallSeconds = (Date.now() - started) / 1000;
    const defaults = stack.spec.defaults;
    const oracle = buildOracle(burst.lines, { maxEventBytes: defaults.max_event_bytes, maxFutureSkewMs: defaults.event_future_skew_seconds * 1000 });
    const calls = proxy.forwarded + proxy.injected.reduce((a, b) => a + b, 0);
    proxy.outage = false;
    proxy.setRules([]);
    const verdict = await verifyProjection(new DynamoDBClient({}), stack.projectionTable, oracle);
    const poisonSent = Object.values(oracle.invalid).reduce((a, b) => a + (b ?? 0), 0);
    const deadLettered = Object.values(summary.deadLettered).reduce((a, b) => a + b, 0);
    const failures: string[] = [];
    const lost = verdict.lost + verdict.mismatched + verdict.unexpected;
    if (lost > 0) failures.push(`lost ${lost} (${verdict.examples.join('; ')})`);
    if (verdict.doubleApplied > 0) failures.push(`double-applied ${verdict.doubleApplied}`);
    if (!verdict.matches) failures.push('projection != oracle');
    if (scenario.tallyComplete && summary.deadLettered['retries-exhausted']) {
      failures.push(`${summary.deadLettered['retries-exhausted']} valid events exhausted their retries`);
    }
    if (scenario.tallyComplete && deadLettered < poisonSent) failures.push(`dead-lettered ${deadLettered} < poison sent ${poisonSent}`);
    // Idempotency: every extra copy of an event must be recognised as a duplicate.
    if (scenario.tallyComplete && summary.duplicates < burst.counts.duplicates) {
      failures.push(`duplicates recognised ${summary.duplicates} < duplicate copies sent ${burst.counts.duplicates}`);
    }
    return {
      scenario: scenario.name,
      eventsIn: burst.counts.total,
      projected: summary.projected,
      stale: summary.stale,
      duplicates: summary.duplicates,
      expectedDuplicates: burst.counts.duplicates,
      deadLettered: summary.deadLettered,
      poisonSent,
      lost,
      doubleApplied: verdict.doubleApplied,
      oracleMatch: verdict.matches,
      wallSeconds,
      dynamoDbCallsPerEvent: calls / Math.max(1, burst.counts.total),
      failures,
    };
  } finally {
    await proxy.close();
  }
}

export function formatTable(results: ScenarioResult[]): string {
  const header = ['scenario', 'events in', 'projected', 'stale', 'dup', 'dead-lettered', 'lost', 'double-applied', '== oracle', 'wall s', 'DDB calls/event'];
  const rows = results.map((r) => [
    r.scenario,
    String(r.eventsIn),
    String(r.projected),
    String(r.stale),
    `${r.duplicates}/${r.expectedDuplicates}`,
    Object.entries(r.deadLettered).map(([k, v]) => `${k}:${v}`).join(' ') || '0',
    String(r.lost),
    String(r.doubleApplied),
    r.oracleMatch ? 'yes' : 'NO',
    r.wallSeconds.toFixed(1),
    r.dynamoDbCallsPerEvent.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
