// The dispatcher part of `make bench`'s messaging section: its flags
// (validated, naming the fix), the printed table, what bounds each phase and
// the issue's target per platform. The run itself is dispatcher-bench.ts.
import { loadavg } from 'node:os';
import { PLATFORMS, type Platform } from '../../shared/messaging/contract';
import { DEFAULT_SEND_RATES } from '../../shared/messaging/dispatcher/config';
import { dispatcherVerdict, formatDispatcherTable, runDispatcherBench, type DispatcherBenchOptions, type DispatcherBenchReport, type DispatcherDynamoDb } from './dispatcher-bench';

export interface DispatcherBenchFlags {
  rates: Partial<Record<Platform, number>>;
  seconds: number;
  instances?: number;
  conversations?: number;
  dynamoDb: DispatcherDynamoDb;
  together: boolean;
}

/**
 * Default bench rate: 20/s per platform, the lowest at which the limiter can
 * use 95% of a rate (it keeps one slot a second back for timing noise:
 * (N − 1)/N of N). Whether the local stack carries it depends on the
 * machine: the instances, doubles and ingest share one Node process (on the
 * 2-core build machine at load 9-12 from other sessions, 5 instances carried
 * 8-12 messages/s a platform). The production defaults (80/s, Telegram 30/s)
 * with `--dispatcher-rates production`.
 */
export const DEFAULT_BENCH_RATE = 20;

/** `--dispatcher-rates`: `20` (every platform), `production` (the dispatcher's defaults), or `line=80,telegram=30` (only those platforms). */
export function parseDispatcherRates(raw: string | undefined, fallback: number): Partial<Record<Platform, number>> | string {
  const all = (n: number) => Object.fromEntries(PLATFORMS.map((p) => [p, n])) as Record<Platform, number>;
  const rule = 'a rate for every platform (20), production (80/s, Telegram 30/s), or platform=rate pairs (line=80,telegram=30) with positive rates';
  if (raw === undefined) return all(fallback);
  if (raw === 'production') return { ...DEFAULT_SEND_RATES };
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) > 0 ? all(Number(raw)) : `--dispatcher-rates=${raw} must be ${rule}`;
  const rates: Partial<Record<Platform, number>> = {};
  for (const pair of raw.split(',')) {
    const [name, value] = pair.split('=');
    const n = Number(value);
    if (!PLATFORMS.includes(name as Platform)) return `--dispatcher-rates: "${name}" is not a platform (${PLATFORMS.join(', ')}); the flag must be ${rule}`;
    if (!(n > 0) || !Number.isFinite(n)) return `--dispatcher-rates: ${name}=${value ?? ''} needs a positive rate; the flag must be ${rule}`;
    rates[name as Platform] = n;
  }
  return rates;
}

type FlagValues = Partial<Record<'dispatcher-rates' | 'dispatcher-seconds' | 'dispatcher-instances' | 'dispatcher-conversations' | 'dispatcher-dynamodb', string | boolean>> & {
  'dispatcher-together'?: string | boolean;
};

/** The dispatcher flags of scripts/bench.ts; `fail` stops the command with the message. A smoke run is tiny: 3/s, 1 s, one phase. */
export function readDispatcherBenchFlags(values: FlagValues, smoke: boolean, fail: (message: string) => never): DispatcherBenchFlags {
  const integer = (name: keyof FlagValues, min: number, max: number): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) fail(`--${name}=${String(raw)} must be an integer from ${min} to ${max}`);
    return n;
  };
  const rates = parseDispatcherRates(values['dispatcher-rates'] as string | undefined, smoke ? 3 : DEFAULT_BENCH_RATE);
  if (typeof rates === 'string') fail(rates);
  const dynamoDb = (values['dispatcher-dynamodb'] ?? 'stub') as string;
  if (dynamoDb !== 'moto' && dynamoDb !== 'stub') fail(`--dispatcher-dynamodb=${dynamoDb} must be moto (the local AWS, ~10 messages/s on 2 cores) or stub (the bench's DynamoDB latency stub)`);
  const instances = integer('dispatcher-instances', 1, 1000);
  const conversations = integer('dispatcher-conversations', 1, 100_000);
  return {
    rates: rates as Partial<Record<Platform, number>>,
    seconds: integer('dispatcher-seconds', 1, 3600) ?? (smoke ? 1 : 20),
    ...(instances !== undefined ? { instances } : smoke ? { instances: 2 } : {}),
    ...(conversations !== undefined ? { conversations } : {}),
    dynamoDb: dynamoDb as DispatcherDynamoDb,
    together: values['dispatcher-together'] === true || smoke,
  };
}

/** Runs the dispatcher bench as the flags say, prints its table, what bounded each phase and the target per platform. */
export async function dispatcherSection(flags: DispatcherBenchFlags, machine: string): Promise<DispatcherBenchReport> {
  const platforms = (Object.keys(flags.rates) as Platform[]).filter((p) => flags.rates[p]! > 0);
  const options: DispatcherBenchOptions = {
    rates: flags.rates,
    seconds: flags.seconds,
    dynamoDb: flags.dynamoDb,
    ...(flags.together ? { phases: [platforms] } : {}),
    ...(flags.instances !== undefined ? { instances: flags.instances } : {}),
    ...(flags.conversations !== undefined ? { conversations: flags.conversations } : {}),
    onProgress: (line) => console.error(line),
  };
  console.log(
    `bench dispatcher: a ${flags.seconds} s burst of signed agent replies per platform (${platforms.map((p) => `${p} ${flags.rates[p]}/s`).join(', ')}), ${flags.together ? 'all platforms at once' : 'one platform at a time'}, DynamoDB on ${flags.dynamoDb}`,
  );
  const report = await runDispatcherBench(options);
  console.log(`bench dispatcher: ${machine}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${report.instances} instances; Genesys limit raised to ${report.genesysLimitPerMinute}/min for the receipts`);
  console.log(formatDispatcherTable(report));
  for (const phase of report.phases) console.log(`bench dispatcher: ${phase.platforms.join(', ')} bound by ${phase.boundBy}`);
  for (const row of report.rows) {
    const verdict = dispatcherVerdict(row);
    console.log(`bench dispatcher: ${row.platform} target max <= 100% and >= 95% of ${row.configuredPerSecond}/s used -> ${verdict.met ? 'MET' : 'NOT MET'} (${verdict.why})`);
  }
  return report;
}
