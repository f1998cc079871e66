// The dispatcher part of the messaging section of `make bench` (issue 10):
// how much of each platform's configured send rate the dispatcher uses under
// a burst of agent replies, and whether it ever goes over it.
//
// Set-up: moto, the doubles and the shipped dist/messaging-dispatcher bundle
// on the outbound queue's local FIFO mapping, as many concurrent instances as
// the production mapping runs (the module's maximum concurrency). The burst
// goes in as Genesys sends it: signed outbound webhooks POSTed to the ingest
// endpoint (dist/messaging-ingest), which verifies the signature and queues
// them on the outbound FIFO queue. All of it is queued *before* the dispatcher
// starts: ingest goes through the same moto, so posting while dispatching
// would make the two share the local AWS and let ingest bound the rate; a
// queued burst is the hardest case for the limiter (every instance has work
// at once) and leaves ingest out of the measured interval.
//
// Measured where the platform counts: the platform double's own log of
// accepted sends (`GET {platformUrl}/__double/sent`; `admittedAt`, when the
// double counted the send against its limit, = `sentAt` for text), per platform:
// sends in every sliding 1 s window ([t, t + 1 s), one starting at each send
// for the maximum; 100 ms steps over the burst for the mean), Telegram's
// spacing per chat, the double's refusals (429, Viber status 12, WhatsApp
// 130429: it enforces the same rate), every reply delivered once and in the
// order typed, and the Delivered receipts at the Genesys double.
//
// The Genesys limit is raised for the run (the receipts share Genesys's
// per-token bucket: at its default 300/min they, not the platforms, would
// bound the dispatcher at 5 messages/s for all platforms together; the report
// says so).
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { Platform } from '../../shared/messaging/contract';
import { perSecondSettings } from '../../shared/messaging/dispatcher/platform-limiter';
import { SEND_RATE_ENV, TELEGRAM_CHAT_RATE_ENV } from '../../shared/messaging/dispatcher/config';
import { buildGenesysOutboundWebhook, signedRequest } from '../../test/fixtures/messaging-webhooks';
import { buildFunctions } from '../build';
import { cpuMsOf } from '../bench/process-cpu';
import { useLocalAws } from '../local/aws-env';
import type { SendRefusal, SentMessage } from '../local/doubles/platform-send-routes';
import { DISPATCHER_FUNCTION, startMessagingStack, TOKEN_REFRESHER_FUNCTION } from '../local/messaging-stack';
import { INGEST_FUNCTION } from '../local/ingest-server';
import { freePort, resetMoto, startMoto } from '../local/moto';
import { DEFAULT_LATENCY } from '../local/dynamodb-stub';
import { startStubProcess } from '../bench/stub-process';

const WINDOW_MS = 1000;
const STEP_MS = 100;

// ------------------------------------------------------------------ measures (pure)

export interface RateMeasure {
  sends: number;
  /** First to last accepted send, ms. */
  spanMs: number;
  /** Most sends in any 1 s window [t, t + 1 s). */
  maxPerSecond: number;
  /** Mean sends per 1 s window, windows sliding in 100 ms steps wholly inside the burst (first to last send); undefined if it lasted under 1 s. */
  meanPerSecond?: number;
  /** The same without the windows that start in the first second (cold start, the limiter's ramp). */
  meanPerSecondAfterFirst?: number;
}

/** Sends per sliding 1 s window of one platform, from the accepted sends' times (epoch ms, any order). */
export function rateMeasure(times: number[]): RateMeasure {
  const t = [...times].sort((a, b) => a - b);
  if (t.length === 0) return { sends: 0, spanMs: 0, maxPerSecond: 0 };
  let maxPerSecond = 0;
  let end = 0;
  for (let start = 0; start < t.length; start++) {
    while (end < t.length && t[end]! < t[start]! + WINDOW_MS) end++;
    maxPerSecond = Math.max(maxPerSecond, end - start);
  }
  const first = t[0]!;
  const last = t[t.length - 1]!;
  const counts: Array<{ start: number; count: number }> = [];
  let lo = 0;
  let hi = 0;
  for (let start = first; start + WINDOW_MS <= last + 1; start += STEP_MS) {
    while (lo < t.length && t[lo]! < start) lo++;
    while (hi < t.length && t[hi]! < start + WINDOW_MS) hi++;
    counts.push({ start, count: hi - lo });
  }
  const mean = (xs: number[]) => (xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length);
  const meanPerSecond = mean(counts.map((c) => c.count));
  const meanPerSecondAfterFirst = mean(counts.filter((c) => c.start >= first + WINDOW_MS).map((c) => c.count));
  return {
    sends: t.length,
    spanMs: last - first,
    maxPerSecond,
    ...(meanPerSecond !== undefined ? { meanPerSecond } : {}),
    ...(meanPerSecondAfterFirst !== undefined ? { meanPerSecondAfterFirst } : {}),
  };
}

export interface ChatSpacing {
  chats: number;
  /** Shortest gap between two consecutive sends to one chat, ms (undefined: no chat got two). */
  minGapMs?: number;
  /** Most sends to one chat in any 1 s window. */
  maxPerChatPerSecond: number;
}

/** Telegram's per-chat limit as the double saw it. */
export function chatSpacing(sent: Array<Pick<SentMessage, 'to' | 'sentAt'> & { admittedAt?: string }>): ChatSpacing {
  const byChat = new Map<string, number[]>();
  for (const s of sent) byChat.set(s.to, [...(byChat.get(s.to) ?? []), Date.parse(s.admittedAt ?? s.sentAt)]);
  let minGapMs: number | undefined;
  let maxPerChatPerSecond = 0;
  for (const times of byChat.values()) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) minGapMs = Math.min(minGapMs ?? Infinity, times[i]! - times[i - 1]!);
    maxPerChatPerSecond = Math.max(maxPerChatPerSecond, rateMeasure(times).maxPerSecond);
  }
  return { chats: byChat.size, ...(minGapMs !== undefined ? { minGapMs } : {}), maxPerChatPerSecond };
}

export interface DeliveryCheck {
  expected: number;
  deliveredOnce: number;
  lost: number;
  duplicated: number;
  /** Conversations whose sends, in the double's order, are not the order typed. */
  conversationsOutOfOrder: number;
}

/** Every reply once, in the order typed, per conversation (the platform user). */
export function deliveryCheck(expected: Map<string, string[]>, sent: Array<Pick<SentMessage, 'to' | 'text'>>): DeliveryCheck {
  const got = new Map<string, string[]>();
  for (const s of sent) got.set(s.to, [...(got.get(s.to) ?? []), s.text ?? '']);
  let expectedCount = 0;
  let deliveredOnce = 0;
  let lost = 0;
  let duplicated = 0;
  let conversationsOutOfOrder = 0;
  for (const [to, texts] of expected) {
    expectedCount += texts.length;
    const seen = got.get(to) ?? [];
    const counts = new Map<string, number>();
    for (const text of seen) counts.set(text, (counts.get(text) ?? 0) + 1);
    for (const text of texts) {
      const n = counts.get(text) ?? 0;
      if (n === 0) lost += 1;
      else deliveredOnce += 1;
      if (n > 1) duplicated += n - 1;
    }
    const firsts = seen.filter((text, i) => seen.indexOf(text) === i && texts.includes(text));
    if (firsts.join('\n') !== texts.filter((text) => firsts.includes(text)).join('\n')) conversationsOutOfOrder += 1;
  }
  return { expected: expectedCount, deliveredOnce, lost, duplicated, conversationsOutOfOrder };
}

/** A refusal for a rate limit, in each platform's words (LINE/Telegram 429, Viber status 12 in a 200, WhatsApp 130429). */
export const isRateRefusal = (r: Pick<SendRefusal, 'why'>): boolean => r.why === 'rate' || r.why === 'rate-per-chat' || r.why === 'status 12' || r.why === '130429';

// ------------------------------------------------------------------ the run

/**
 * Where the dispatcher's DynamoDB calls go. `moto`: the local AWS, like
 * everything else. `stub`: the bench's DynamoDB latency stub
 * (scripts/local/dynamodb-stub.ts: the JSON protocol over loopback, atomic
 * conditional writes, a modelled 4 ms median latency) for the dispatcher's
 * state table only; SQS, Secrets Manager, S3 and ingest stay on moto. A
 * dispatched message costs 8-10 DynamoDB calls (idempotency in-progress and
 * complete for the send and for the receipt, the platform's bucket, Telegram's
 * chat bucket, the Genesys bucket, a lost race now and then); moto serialises
 * item writes under one lock in one Python process, which on 2 shared cores
 * carries about 10 dispatched messages/s in all, below the 20/s a platform
 * needs before its limiter can use 95% of it (the GCRA keeps one slot a second
 * back for timing noise: (N − 1)/N of N). The stub takes that ceiling away, so
 * the limiter is what is measured.
 */
export type DispatcherDynamoDb = 'moto' | 'stub';

export interface DispatcherBenchOptions {
  /** Configured send rate per platform (dispatcher *_SEND_RATE_PER_SECOND and the double's limit); only these platforms get a burst. */
  rates: Partial<Record<Platform, number>>;
  /** Platforms bursting at the same time, phase after phase (default: one platform per phase, each with the whole local stack). */
  phases?: Platform[][];
  /** Telegram's per-chat rate (default 1/s). */
  telegramChatRate?: number;
  /** Length of the burst at the configured rate: each platform gets rate × seconds replies. */
  seconds: number;
  /** Conversations per platform (default: 5 × its rate, at least 4: Telegram needs more than rate chats busy at 1/s each). */
  conversations?: number;
  /** Concurrent dispatcher instances (default: the module's maximum concurrency, as the production mapping). */
  instances?: number;
  dynamoDb?: DispatcherDynamoDb;
  /** Webhooks POSTed to ingest at once while queueing the burst. */
  postConcurrency?: number;
  onProgress?: (line: string) => void;
  /** A local AWS already running (the integration tests'; it is reset between phases); otherwise a private moto is started. */
  awsEndpoint?: string;
  /** false: the bundles in dist/ are already built. */
  build?: boolean;
}

export interface PlatformRow {
  platform: Platform;
  configuredPerSecond: number;
  /** The GCRA's steady rate for that limit (rate − burst; burst + 1 s of it stays within the limit). */
  limiterSteadyPerSecond: number;
  conversations: number;
  rates: RateMeasure;
  /** maxPerSecond / configured. */
  maxOfRate: number;
  /** meanPerSecond / configured (undefined: burst under 1 s). */
  meanOfRate?: number;
  meanOfRateAfterFirst?: number;
  /** Every refusal of the double, and those for a rate limit (429, Viber status 12, WhatsApp 130429). */
  refusals: number;
  rateRefusals: number;
  delivery: DeliveryCheck;
  receiptsDelivered: number;
  chatSpacing?: ChatSpacing;
}

export interface DispatcherPhase {
  platforms: Platform[];
  /** Signed webhooks POSTed to ingest before the dispatchers started. */
  queued: number;
  queueingSeconds: number;
  dispatchSeconds: number;
  rows: PlatformRow[];
  /** The dispatchers' batch summaries summed. */
  tally: Record<string, number>;
  /** Share of one core over the dispatch: moto (one Python process) and this process (the instances, doubles and ingest). */
  motoCpuShare?: number;
  benchProcessCpuShare: number;
  loadAverage: number[];
  boundBy: string;
}

export interface DispatcherBenchReport {
  instances: number;
  seconds: number;
  dynamoDb: DispatcherDynamoDb;
  genesysLimitPerMinute: number;
  telegramChatRate: number;
  /** How the burst got in: signed webhooks through the ingest endpoint, all queued before the dispatchers start. */
  queuedVia: 'ingest';
  phases: DispatcherPhase[];
  rows: PlatformRow[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Platform user ids in each platform's own shape, stable per (platform, n). */
function platformUser(platform: Platform, n: number): string {
  const h = createHash('sha256').update(`dispatcher-bench:${platform}:${n}`).digest();
  switch (platform) {
    case 'line':
      return `U${h.toString('hex').slice(0, 32)}`;
    case 'telegram':
      return String(5_000_000_000 + (h.readUInt32BE(0) % 1_000_000_000));
    case 'viber':
      return `${h.toString('base64').slice(0, 22)}==`;
    case 'whatsapp':
      return `81${String(h.readUInt32BE(0)).padStart(10, '0').slice(0, 10)}`;
  }
}

async function postAll(ingestUrl: string, bodies: string[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (let attempt = 1; ; attempt++) {
        const request = signedRequest('genesys', body);
        const answer = await fetch(`${ingestUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
        await answer.text();
        if (answer.status === 200) break;
        // 5xx: not queued (the ingest's contract); Genesys resends, so does the bench.
        if (answer.status < 500 || attempt >= 5) throw new Error(`ingest answered ${answer.status} to a signed Genesys webhook`);
        await sleep(200 * attempt);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface Burst {
  expected: Map<string, string[]>;
  conversations: Map<Platform, number>;
  /** Webhook bodies by round: round n holds every conversation's n-th reply, so posting round after round keeps each conversation in order. */
  rounds: string[][];
  total: number;
}

function planBurst(platforms: Platform[], options: DispatcherBenchOptions): Burst {
  const expected = new Map<string, string[]>();
  const conversations = new Map<Platform, number>();
  const rounds: string[][] = [];
  for (const platform of platforms) {
    const rate = options.rates[platform]!;
    const messages = Math.max(1, Math.ceil(rate * options.seconds));
    const count = Math.min(messages, options.conversations ?? Math.max(4, rate * 5));
    conversations.set(platform, count);
    for (let i = 0; i < messages; i++) {
      const user = platformUser(platform, i % count);
      const round = Math.floor(i / count);
      const text = `${platform} ${i % count} #${round}`;
      expected.set(user, [...(expected.get(user) ?? []), text]);
      (rounds[round] ??= []).push(buildGenesysOutboundWebhook({ toId: `${platform}:${user}`, text, conversationId: `bench-${platform}-${i % count}` }).body);
    }
  }
  return { expected, conversations, rounds, total: [...expected.values()].reduce((s, t) => s + t.length, 0) };
}

export async function runDispatcherBench(options: DispatcherBenchOptions): Promise<DispatcherBenchReport> {
  const platforms = (Object.keys(options.rates) as Platform[]).filter((p) => (options.rates[p] ?? 0) > 0);
  if (platforms.length === 0) throw new Error('dispatcher bench: no platform has a rate');
  const phases = options.phases ?? platforms.map((p) => [p]);
  const telegramChatRate = options.telegramChatRate ?? 1;
  const dynamoDb = options.dynamoDb ?? 'moto';
  // Receipts count against Genesys's per-token limit (its default 300/min would bound every platform together at
  // 5 messages/s): room for one per send of every platform at once, twice over.
  const totalRate = platforms.reduce((s, p) => s + options.rates[p]!, 0);
  const genesysLimitPerMinute = Math.ceil(totalRate * 60 * 2);
  const progress = options.onProgress ?? (() => undefined);

  if (options.build !== false) await buildFunctions([DISPATCHER_FUNCTION, TOKEN_REFRESHER_FUNCTION, INGEST_FUNCTION]);
  const aws = options.awsEndpoint ? { endpoint: options.awsEndpoint, pid: undefined, stop: async () => undefined } : await startMoto({ port: await freePort() });
  const stub = dynamoDb === 'stub' ? await startStubProcess(DEFAULT_LATENCY) : undefined;
  let instances = options.instances ?? 0;
  const done: DispatcherPhase[] = [];
  try {
    useLocalAws(aws.endpoint);
    const envBefore = { ...process.env };
    for (const phase of phases) {
      await resetMoto(aws.endpoint);
      await stub?.reset();
      const burst = planBurst(phase, options);
      // Read at the bundles' load (their init phase): only the dispatchers, loaded after the burst is queued, use the stub.
      const dispatcherEnv: Record<string, string> = { [TELEGRAM_CHAT_RATE_ENV]: String(telegramChatRate), ...(stub ? { AWS_ENDPOINT_URL_DYNAMODB: stub.url } : {}) };
      for (const p of phase) dispatcherEnv[SEND_RATE_ENV[p]] = String(options.rates[p]);
      const session = await startMessagingStack({
        overrides: { genesys_rate_limit_per_minute: genesysLimitPerMinute },
        genesys: { rateLimitPerMinute: genesysLimitPerMinute },
        forwarders: false,
        dispatchers: false,
        dispatcherEnv,
        // The double enforces the configured rates: any excess shows as its refusals.
        platformSendLimits: { ...Object.fromEntries(phase.map((p) => [p, options.rates[p]])), telegramPerChat: telegramChatRate },
        tokenRefreshIntervalMs: 3_600_000,
      });
      try {
        // The module's state table, keyed as provisioned (an existing one from an earlier phase was emptied by reset).
        if (stub) await stub.createTable(session.stack.stateTable, 'id').catch(() => undefined);
        instances = options.instances ?? session.stack.defaults.dispatcher_maximum_concurrency;
        const queueStart = Date.now();
        progress(`dispatcher: queueing ${burst.total} signed Genesys webhooks through ingest (${phase.map((p) => `${p} ${options.rates[p]}/s × ${options.seconds} s over ${burst.conversations.get(p)} conversations`).join('; ')})`);
        for (const round of burst.rounds) await postAll(session.ingestUrl!, round, options.postConcurrency ?? 16);
        const queueingSeconds = (Date.now() - queueStart) / 1000;
        progress(`dispatcher: queued in ${queueingSeconds.toFixed(1)} s; ${instances} dispatcher instances start (DynamoDB: ${dynamoDb})`);

        const motoBefore = cpuMsOf(aws.pid);
        const cpuBefore = process.cpuUsage();
        const dispatchStart = Date.now();
        const runner = await session.startDispatchers({ maxConcurrency: instances });
        const deadline = dispatchStart + Math.max(120_000, options.seconds * 10_000);
        for (;;) {
          const receipts = session.genesys.receipts().length;
          if (receipts >= burst.total) break;
          if (Date.now() > deadline) {
            progress(`dispatcher: ${receipts}/${burst.total} receipts at the deadline; measuring what was sent`);
            break;
          }
          progress(`  ${session.platform.sent().length} sent, ${receipts} receipts of ${burst.total}`);
          await sleep(2_000);
        }
        const dispatchSeconds = (Date.now() - dispatchStart) / 1000;
        const motoAfter = cpuMsOf(aws.pid);
        const cpu = process.cpuUsage(cpuBefore);
        await runner.stop();
        const rows = await measurePhase(session.platform.url, session.genesys.receipts().map((r) => r.body), phase, burst, options.rates);
        const wallMs = dispatchSeconds * 1000;
        const motoCpuShare = motoBefore !== undefined && motoAfter !== undefined ? (motoAfter - motoBefore) / wallMs : undefined;
        const benchProcessCpuShare = (cpu.user + cpu.system) / 1000 / wallMs;
        done.push({
          platforms: phase,
          queued: burst.total,
          queueingSeconds,
          dispatchSeconds,
          rows,
          tally: { ...session.outboundTally() } as unknown as Record<string, number>,
          ...(motoCpuShare !== undefined ? { motoCpuShare } : {}),
          benchProcessCpuShare,
          loadAverage: loadavg(),
          boundBy: boundBy({
            rows,
            dynamoDb,
            motoCpuShare,
            benchProcessCpuShare,
            instances,
            msPerRecord: (instances * wallMs) / Math.max(1, rows.reduce((n, r) => n + r.rates.sends, 0)),
            load: loadavg()[0]!,
            cores: cpus().length,
          }),
        });
        progress(`dispatcher: ${phase.join(', ')} done in ${dispatchSeconds.toFixed(1)} s; bound by ${done[done.length - 1]!.boundBy}`);
      } finally {
        await session.stop();
        // Loading a bundle sets its environment on this process: the next phase provisions on moto again.
        for (const key of Object.keys(process.env)) if (!(key in envBefore)) delete process.env[key];
        Object.assign(process.env, envBefore);
      }
    }
  } finally {
    await stub?.close();
    await aws.stop();
  }
  return { instances, seconds: options.seconds, dynamoDb, genesysLimitPerMinute, telegramChatRate, queuedVia: 'ingest', phases: done, rows: done.flatMap((p) => p.rows) };
}

/** When the double counted a send against the limit (admittedAt; sentAt, after any media fetch, on older logs). */
const countedAt = (s: SentMessage): number => Date.parse(s.admittedAt ?? s.sentAt);

/** The platform double's logs (over HTTP, as anyone would read them) and the Genesys double's receipts → one row per platform. */
async function measurePhase(platformUrl: string, receiptBodies: unknown[], platforms: Platform[], burst: Burst, rates: Partial<Record<Platform, number>>): Promise<PlatformRow[]> {
  const sent = (await (await fetch(`${platformUrl}/__double/sent`)).json()) as SentMessage[];
  const refusals = (await (await fetch(`${platformUrl}/__double/send-refusals`)).json()) as SendRefusal[];
  const receipts = receiptBodies as Array<{ status?: string; channel?: { to?: { id?: string } } }>;
  return platforms.map((platform) => {
    const configured = rates[platform]!;
    const mine = sent.filter((s) => s.platform === platform);
    const measure = rateMeasure(mine.map(countedAt));
    const refused = refusals.filter((r) => r.platform === platform);
    const mineExpected = new Map([...burst.expected].filter(([, texts]) => texts[0]!.startsWith(`${platform} `)));
    return {
      platform,
      configuredPerSecond: configured,
      limiterSteadyPerSecond: perSecondSettings(configured, 1_000).ratePerSecond,
      conversations: burst.conversations.get(platform)!,
      rates: measure,
      maxOfRate: measure.maxPerSecond / configured,
      ...(measure.meanPerSecond !== undefined ? { meanOfRate: measure.meanPerSecond / configured } : {}),
      ...(measure.meanPerSecondAfterFirst !== undefined ? { meanOfRateAfterFirst: measure.meanPerSecondAfterFirst / configured } : {}),
      refusals: refused.length,
      rateRefusals: refused.filter(isRateRefusal).length,
      delivery: deliveryCheck(mineExpected, mine),
      receiptsDelivered: receipts.filter((r) => r.status === 'Delivered' && r.channel?.to?.id?.startsWith(`${platform}:`)).length,
      ...(platform === 'telegram' ? { chatSpacing: chatSpacing(mine) } : {}),
    };
  });
}

export interface BoundInputs {
  rows: PlatformRow[];
  dynamoDb: DispatcherDynamoDb;
  motoCpuShare: number | undefined;
  benchProcessCpuShare: number;
  instances: number;
  /** Wall time an instance spent per record: instances × dispatch time / records. */
  msPerRecord: number;
  load: number;
  cores: number;
}

/**
 * Which component set the pace: the limiter (≥ 95% of every rate used), or
 * what kept the platforms short of it, in the order it would bind: a
 * saturated process (moto, this one), the machine's other load, moto's
 * latency, the number of instances (each handles its batch one record at a
 * time, so they carry at most instances / time per record).
 */
export function boundBy(b: BoundInputs): string {
  const cpuLine = `moto ${b.motoCpuShare === undefined ? 'n/a' : `${(b.motoCpuShare * 100).toFixed(0)}%`} of a core, the dispatcher process (instances, doubles) ${(b.benchProcessCpuShare * 100).toFixed(0)}%, load ${b.load.toFixed(1)} on ${b.cores} cores; ${b.instances} instances at ${b.msPerRecord.toFixed(0)} ms a record carry ${((b.instances * 1000) / b.msPerRecord).toFixed(1)}/s`;
  const short = b.rows.filter((r) => (r.meanOfRateAfterFirst ?? r.meanOfRate ?? 0) < 0.95);
  if (short.length === 0) return `the configured rates (the shared limiter): every platform >= 95% of its rate; ${cpuLine}`;
  const which = short.map((r) => r.platform).join(', ');
  if ((b.motoCpuShare ?? 0) >= 0.75) return `the local AWS for ${which}: moto busy close to one core (one Python process); ${cpuLine}`;
  if (b.benchProcessCpuShare >= 0.75) return `the dispatcher process for ${which} (instances and doubles share one Node event loop); ${cpuLine}`;
  if (b.load > b.cores * 1.5) return `the machine for ${which}: load ${b.load.toFixed(1)} on ${b.cores} cores from other work stretches every call; ${cpuLine}`;
  if (b.dynamoDb === 'moto') return `the local AWS's latency for ${which}: 8-10 moto DynamoDB calls a message, serialised under moto's write lock (--dispatcher-dynamodb stub takes them off moto); ${cpuLine}`;
  return `the instances for ${which} (--dispatcher-instances): ${cpuLine}`;
}

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);

export function formatDispatcherTable(report: DispatcherBenchReport): string {
  const header = ['platform', 'rate', 'conv.', 'sent', 'max / 1 s', 'mean / 1 s', 'mean after 1st s', 'refused (rate)', 'once, in order', 'receipts', 'per chat'];
  const cells = report.rows.map((r) => [
    r.platform,
    `${r.configuredPerSecond}/s`,
    String(r.conversations),
    `${r.rates.sends}/${r.delivery.expected}`,
    `${r.rates.maxPerSecond} (${pct(r.maxOfRate)})`,
    `${r.rates.meanPerSecond?.toFixed(2) ?? 'n/a'} (${pct(r.meanOfRate)})`,
    `${r.rates.meanPerSecondAfterFirst?.toFixed(2) ?? 'n/a'} (${pct(r.meanOfRateAfterFirst)})`,
    `${r.refusals} (${r.rateRefusals})`,
    `${r.delivery.deliveredOnce} once, ${r.delivery.duplicated} dup, ${r.delivery.lost} lost, ${r.delivery.conversationsOutOfOrder} out of order`,
    String(r.receiptsDelivered),
    r.chatSpacing ? `min gap ${r.chatSpacing.minGapMs ?? 'n/a'} ms, max ${r.chatSpacing.maxPerChatPerSecond}/s` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

/** The issue's target per platform: max ≤ 100% of the rate, ≥ 95% of it used, no rate refusals, every reply once and in order. */
export function dispatcherVerdict(row: PlatformRow): { met: boolean; why: string } {
  const used = row.meanOfRateAfterFirst ?? row.meanOfRate;
  const fails = [
    ...(row.maxOfRate > 1 ? [`max ${pct(row.maxOfRate)} > 100%`] : []),
    ...(used === undefined || used < 0.95 ? [`used ${pct(used)} < 95%`] : []),
    ...(row.rateRefusals > 0 ? [`${row.rateRefusals} rate refusals`] : []),
    ...(row.delivery.lost + row.delivery.duplicated + row.delivery.conversationsOutOfOrder > 0 ? ['not every reply once and in order'] : []),
    ...(row.receiptsDelivered !== row.delivery.expected ? [`${row.receiptsDelivered}/${row.delivery.expected} receipts`] : []),
  ];
  return { met: fails.length === 0, why: fails.join(', ') || 'max ≤ 100%, ≥ 95% used, 0 refusals, once and in order, every receipt' };
}
