// `make bench`, consumer section: the product's consumer against the guides'
// baseline (scripts/bench/baseline-consumer.ts), in the same run, on the same
// events. Prints one table and writes bench/results/<timestamp>.json and .svg.
//
//   in-process    both consumers against a loopback DynamoDB stub with a
//                 latency model (scripts/local/dynamodb-stub.ts), equal
//                 concurrency: events/s, batch duration percentiles, CPU per
//                 record, requests and capacity units per event, oracle
//   end to end    both on the local AWS (moto): events/s, lag from publish to
//                 commit, what bounds it (scripts/bench/consumer-e2e.ts)
//   per function  bundle bytes, module init over a bare node start
//   cost model    Lambda GB-s and DynamoDB units per million events
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readVariableDefaults, TERRAFORM_DIR } from '../../shared/config/stack-spec';
import { useLocalAws } from '../local/aws-env';
import { captureFunctionLogs } from '../local/function-logs';
import { ROOT } from '../local/moto';
import { generateBurst } from '../lib/event-generator';
import { buildOracle } from '../lib/oracle';
import { seededRandom, uuid } from '../lib/random';
import { renderChart } from './chart';
import { costPerMillionEvents, FULL_VCPU_MB, PRICES, type CostRow } from './cost-model';
import { createTables, LIMITS, runConfiguration, type Configuration, type ConfigurationName, type InProcessResult, type Workload } from './consumer-inprocess';
import { runEndToEnd, type EndToEndResult } from './consumer-e2e';
import { BASELINE_BATCH_SIZE } from './baseline-consumer';
import { measureInitTime, type InitTime } from './init-time';
import { startStubProcess } from './stub-process';
import { buildFunctions, functionNames } from '../build';

export interface ConsumerBenchOptions {
  events: number;
  rounds: number;
  concurrency: number;
  latencyMs: number;
  sigma: number;
  /** Product batch size (the baseline keeps the guides' 10); default: Terraform's consumer_batch_size. */
  batchSize?: number;
  e2eEvents: number;
  initRuns: number;
  outDir: string;
  seed: number;
}

export const DEFAULT_CONSUMER_BENCH: Omit<ConsumerBenchOptions, 'outDir'> = {
  events: 2000,
  rounds: 3,
  // One environment: each Lambda environment has its own CPU, while environments
  // in this process would share one core; --concurrency N runs N side by side.
  concurrency: 1,
  latencyMs: 4,
  sigma: 0.5,
  e2eEvents: 600,
  initRuns: 20,
  seed: 20261129,
};

export interface ConsumerBenchResult {
  startedAt: string;
  machine: { cpus: number; model: string; node: string };
  options: ConsumerBenchOptions;
  /** consumer_memory_mb, the Terraform default the cost model bills. */
  memoryMb: number;
  prices: typeof PRICES;
  inProcess: Record<ConfigurationName, InProcessResult>;
  ratios: { eventsPerSecondVsBaseline: Record<ConfigurationName, number> };
  endToEnd: EndToEndResult[];
  functions: InitTime[];
  cost: Record<ConfigurationName, CostRow>;
}

const COLORS: Record<ConfigurationName, string> = { product: '#1f77b4', 'pure-projection': '#2ca02c', baseline: '#d62728' };

function workload(options: ConsumerBenchOptions): Workload {
  const now = Date.now();
  const { lines } = generateBurst({ count: options.events, poisonRatio: 0, duplicateRatio: 0.1, shuffle: true, seed: options.seed, now });
  const uniqueCount = Math.max(50, Math.round(options.events / 3));
  const uniques = generateBurst({ count: uniqueCount, poisonRatio: 0, duplicateRatio: 0, shuffle: true, seed: options.seed + 1, now }).lines;
  const random = seededRandom(options.seed + 2);
  const duplicates = uniques.slice(0, Math.max(10, Math.round(uniqueCount / 5))).map((line) => JSON.stringify({ ...(JSON.parse(line) as object), id: uuid(random) }));
  return { lines, oracle: buildOracle(lines, { ...LIMITS, now: () => now }), uniques, duplicates };
}

const median = <T>(items: T[], by: (t: T) => number): T => [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)]!;

/** Worst correctness over every run of a configuration: a single wrong run must show. */
function worst(runs: InProcessResult[]): InProcessResult['correctness'] {
  return runs.map((r) => r.correctness).sort((a, b) => b.wrongEntities + b.doubleApplied - (a.wrongEntities + a.doubleApplied))[0]!;
}

export async function runConsumerBench(options: ConsumerBenchOptions, log: (line: string) => void = console.log): Promise<ConsumerBenchResult> {
  const startedAt = new Date().toISOString();
  const variable = await readVariableDefaults(join(TERRAFORM_DIR, 'variables.tf'));
  const memoryMb = Number(variable('consumer_memory_mb') ?? 512);
  const batchSize = options.batchSize ?? Number(variable('consumer_batch_size') ?? 10);
  const configurations: Configuration[] = [
    { name: 'baseline', label: `baseline (guides 003/004), batch ${BASELINE_BATCH_SIZE}, one record at a time`, batchSize: BASELINE_BATCH_SIZE },
    { name: 'product', label: `product, every guarantee, batch ${batchSize}`, batchSize },
    { name: 'pure-projection', label: `product, pure projection, batch ${batchSize}`, batchSize, env: { IDEMPOTENCY_ENABLED: 'false' } },
  ];
  const work = workload(options);

  // In-process, against the latency stub.
  log(`bench: consumers in-process, ${work.lines.length} events, concurrency ${options.concurrency}, DynamoDB stub ${options.latencyMs} ms median (sigma ${options.sigma}), ${options.rounds} round(s)`);
  const stub = await startStubProcess({ latencyMs: options.latencyMs, sigma: options.sigma, seed: options.seed });
  const envBefore = { ...process.env };
  const runs: Record<ConfigurationName, InProcessResult[]> = { product: [], 'pure-projection': [], baseline: [] };
  // The consumer's JSON log lines go to a file, as Lambda sends them to CloudWatch; writing them stays in the measured cost.
  const logs = captureFunctionLogs(join(ROOT, '.local', 'logs', 'bench-consumer.log'));
  const progress = (line: string) => {
    logs.restore();
    log(line);
    Object.assign(logs, captureFunctionLogs(join(ROOT, '.local', 'logs', 'bench-consumer.log')));
  };
  try {
    useLocalAws(stub.url);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = stub.url;
    // The product's SQS calls (dead-letter, visibility) have nowhere to go: none is expected here.
    process.env.AWS_ENDPOINT_URL_SQS = 'http://127.0.0.1:9';
    await createTables(stub);
    // Warm-up: JIT and sockets, for every configuration alike.
    const warm: Workload = { ...work, lines: work.lines.slice(0, 300), uniques: work.uniques.slice(0, 30), duplicates: work.duplicates.slice(0, 10) };
    for (const c of configurations) await runConfiguration(stub, c, warm, { concurrency: options.concurrency, bucketMs: 100 });
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so machine load drifts over all configurations alike.
      const order = configurations.map((_, i) => configurations[(i + round) % configurations.length]!);
      for (const c of order) {
        const result = await runConfiguration(stub, c, work, { concurrency: options.concurrency, bucketMs: 100 });
        runs[c.name].push(result);
        progress(`  round ${round + 1} ${c.name}: ${result.throughput.eventsPerSecond.toFixed(0)} events/s, ${result.throughput.cpuMicrosPerRecord.toFixed(0)} µs CPU/record`);
      }
    }
  } finally {
    logs.restore();
    await stub.close();
    for (const key of Object.keys(process.env)) if (!(key in envBefore)) delete process.env[key];
    Object.assign(process.env, envBefore);
  }
  const inProcess = Object.fromEntries(
    configurations.map((c) => {
      const chosen = median(runs[c.name], (r) => r.throughput.eventsPerSecond);
      return [c.name, { ...chosen, correctness: worst(runs[c.name]) }];
    }),
  ) as Record<ConfigurationName, InProcessResult>;
  const baselineRate = inProcess.baseline.throughput.eventsPerSecond;
  const ratios = {
    eventsPerSecondVsBaseline: Object.fromEntries(configurations.map((c) => [c.name, inProcess[c.name].throughput.eventsPerSecond / baselineRate])) as Record<ConfigurationName, number>,
  };

  // End to end on the local AWS.
  const endToEnd = options.e2eEvents > 0 ? await runEndToEnd(configurations.filter((c) => c.name !== 'pure-projection'), options, log) : [];

  // Per function.
  // Each bundle checks its configuration at init; the consumer gets its own,
  // a function that needs other settings is reported as not measured.
  log(`bench: module init, median of ${options.initRuns} fresh node processes per function`);
  const consumerEnv = { PROJECTION_TABLE: 'p', IDEMPOTENCY_TABLE: 'i', BUFFER_QUEUE_URL: 'http://127.0.0.1:9/q', BUFFER_DLQ_URL: 'http://127.0.0.1:9/d', AWS_REGION: 'us-east-1' };
  const functions = (await functionNames()).map((name) => measureInitTime(name, consumerEnv, options.initRuns));
  // The alternative weighed against bundling the SDK: the consumer with
  // @aws-sdk/* left to the runtime's copy (here resolved from node_modules, the
  // lockfile's version). Built aside, never shipped.
  const variants = join(ROOT, '.local', 'bench-variants');
  await buildFunctions(['event-consumer'], { distDir: variants, external: ['@aws-sdk/*'] });
  functions.push(measureInitTime('event-consumer', consumerEnv, options.initRuns, variants, 'event-consumer, @aws-sdk/* external (not shipped)'));

  const cost = Object.fromEntries(
    configurations.map((c) => {
      const r = inProcess[c.name];
      return [c.name, costPerMillionEvents({ batchSize: c.batchSize, meanBatchMs: r.throughput.meanBatchMs, cpuMicrosPerRecord: r.throughput.cpuMicrosPerRecord, memoryMb, writeUnitsPerEvent: r.perEvent.writeUnits, readUnitsPerEvent: r.perEvent.readUnits })];
    }),
  ) as Record<ConfigurationName, CostRow>;

  const cpu = cpus();
  const result: ConsumerBenchResult = {
    startedAt,
    machine: { cpus: cpu.length, model: cpu[0]?.model.trim() ?? 'unknown', node: process.version },
    options,
    memoryMb,
    prices: PRICES,
    inProcess,
    ratios,
    endToEnd,
    functions,
    cost,
  };
  writeResult(result, configurations, log);
  return result;
}

const memoryMbOf = (result: ConsumerBenchResult): number => result.memoryMb;
const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

export function renderTable(result: ConsumerBenchResult, configurations: Configuration[]): string {
  const { machine, options } = result;
  const out: string[] = [];
  out.push(`consumer bench: ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}; ${options.events} events (10% duplicates under new envelope ids, shuffled), concurrency ${options.concurrency}, DynamoDB stub ${options.latencyMs} ms median (sigma ${options.sigma}); median of ${options.rounds} round(s), ratios against the baseline of the same run`);
  const rows = configurations.map((c) => {
    const r = result.inProcess[c.name];
    const t = r.throughput;
    const requests = Object.entries(r.perEvent.requests).sort().map(([op, n]) => `${op} ${f2(n)}`).join(', ');
    const v = r.correctness;
    const verdict = c.name === 'baseline'
      ? `${v.wrongEntities} of ${v.entities} entities wrong, ${v.doubleApplied} rewritten`
      : `${v.wrongEntities === 0 && v.doubleApplied === 0 ? 'matches' : 'MISMATCH'} (${v.lost} lost, ${v.mismatched + v.unexpected} wrong, ${v.doubleApplied} double)`;
    return [
      c.name,
      String(c.batchSize),
      f0(t.eventsPerSecond),
      `${f2(result.ratios.eventsPerSecondVsBaseline[c.name])}x`,
      `${f0(t.batchMs.p50)}/${f0(t.batchMs.p95)}/${f0(t.batchMs.p99)}`,
      f0(t.cpuMicrosPerRecord),
      `${f2(r.perEvent.writes)} (new ${f2(r.writesPerNewEvent)}, dup ${f2(r.writesPerDuplicate)})`,
      f2(r.perEvent.writeUnits),
      requests,
      verdict,
    ];
  });
  out.push(table(['in-process', 'batch', 'events/s', 'vs baseline', 'batch ms p50/p95/p99', 'CPU µs/record', 'writes/event', 'WRU/event', 'requests/event', 'oracle'], rows));
  if (result.endToEnd.length > 0) {
    out.push('');
    out.push(table(
      ['end to end (local AWS)', 'events', 'events/s', 'vs baseline', 'lag ms p50/p95/p99', 'oracle', 'bound by'],
      result.endToEnd.map((e) => {
        const base = result.endToEnd.find((b) => b.name === 'baseline');
        return [e.name, String(e.events), f0(e.eventsPerSecond), base ? `${f2(e.eventsPerSecond / base.eventsPerSecond)}x` : '', `${f0(e.lagMs.p50)}/${f0(e.lagMs.p95)}/${f0(e.lagMs.p99)}`, e.verdict, e.boundBy];
      }),
    ));
  }
  out.push('');
  out.push(table(
    ['function', 'bundle bytes', 'zip bytes', 'init ms (import)', 'bare node ms', 'init over bare', 'init CPU ms over bare'],
    result.functions.map((f) =>
      f.error
        ? [f.name, String(f.bundleBytes), String(f.zipBytes), 'not measured (its init stops without its deployment settings; the error is in the JSON)', '', '', '']
        : [f.name, String(f.bundleBytes), String(f.zipBytes), f0(f.importMs), f0(f.bareMs), `${f0(f.overBareMs)} ms`, `${f0(f.overBareCpuMs)} ms (${f0(f.importCpuMs)} vs ${f0(f.bareCpuMs)})`],
    ),
  ));
  out.push('');
  out.push(table(
    [`cost per million events (${memoryMbOf(result)} MB)`, 'batch ms at that size', 'Lambda GB-s', 'invocations', 'WRU', 'RRU', 'Lambda $', 'DynamoDB $', 'total $'],
    configurations.map((c) => {
      const k = result.cost[c.name];
      return [c.name, f0(k.lambdaBatchMs), f0(k.lambdaGbSecondsPerMillion), f0(k.lambdaInvocationsPerMillion), f0(k.writeUnitsPerMillion), f0(k.readUnitsPerMillion), f2(k.lambdaUsd), f2(k.dynamoDbUsd), f2(k.totalUsd)];
    }),
  ));
  out.push(`prices ${PRICES.asOf}: Lambda $${PRICES.lambdaPerGbSecond}/GB-s + $${PRICES.lambdaPerMillionRequests}/M requests, DynamoDB $${PRICES.dynamoDbPerMillionWriteUnits}/M WRU, $${PRICES.dynamoDbPerMillionReadUnits}/M RRU; Lambda duration = the mean in-process batch duration with its CPU part stretched by the vCPU share of the Terraform memory size (${FULL_VCPU_MB} MB = 1 vCPU)`);
  return out.join('\n');
}

function writeResult(result: ConsumerBenchResult, configurations: Configuration[], log: (line: string) => void): void {
  mkdirSync(result.options.outDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const jsonFile = join(result.options.outDir, `${stamp}.json`);
  const svgFile = join(result.options.outDir, `${stamp}.svg`);
  writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  const bucketS = 0.1;
  const lines = [
    {
      title: 'in-process throughput (latency model)',
      xLabel: 'seconds from start',
      yLabel: 'events/s',
      series: configurations.map((c) => ({
        name: c.name,
        color: COLORS[c.name],
        points: result.inProcess[c.name].throughput.timeline.map((n, i) => [(i + 1) * bucketS, n / bucketS] as [number, number]),
      })),
    },
    {
      title: 'end to end on the local AWS: lag from publish to commit',
      xLabel: 'seconds from start',
      yLabel: 'lag ms (median per second)',
      series: result.endToEnd.map((e: EndToEndResult) => ({ name: e.name, color: COLORS[e.name], points: e.lagTimeline })),
      emptyNote: 'end to end not run (--e2e-events 0)',
    },
  ];
  const perEvent = (title: string, value: (r: InProcessResult) => number) => ({
    title,
    bars: configurations.map((c) => ({ name: c.name, color: COLORS[c.name], value: value(result.inProcess[c.name]) })),
  });
  const bars = [
    perEvent('DynamoDB requests / event', (r) => r.perEvent.requestsTotal),
    perEvent('write units / event', (r) => r.perEvent.writeUnits),
    perEvent('CPU µs / record (in-process)', (r) => r.throughput.cpuMicrosPerRecord),
    { title: '$ per million events', bars: configurations.map((c) => ({ name: c.name, color: COLORS[c.name], value: result.cost[c.name].totalUsd })) },
  ];
  const m = result.machine;
  writeFileSync(svgFile, renderChart('Event consumer vs the guides\' baseline', `${m.cpus} CPUs (${m.model}), Node ${m.node}, ${result.startedAt}`, lines, bars));
  log(renderTable(result, configurations));
  log(`\nresults: ${jsonFile}\nchart:   ${svgFile}`);
}

export const DEFAULT_OUT_DIR = join(ROOT, 'bench', 'results');
