// Pieces of the messaging section of `make bench`: how much of the Genesys
// rate limit a forwarder turns into delivered messages (goodput), and how
// many of its calls Genesys answers 429.
//
// Goodput is read from the Genesys double's own accounting: the per-token
// fixed 60 s windows it enforces (GET /__double/windows). In each complete
// window where the forwarder still had a backlog, admitted / limit is the
// share of the allowance it used. That is the unit Genesys counts in, so it
// needs no assumptions about when a run "really" started or ended.
//
// The baseline is the forwarder of the public samples: one Platform API call
// per incoming message, as soon as it arrives, one token, no limiter. Two
// variants: `no-retry` (what the blueprints do: a 429 fails the message) and
// `retry-1s` (the usual forum fix: try again a second later, ignoring
// Retry-After), which keeps goodput but turns the window's end into a 429 storm.
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inboundDeduplicationId, inboundGroupId, PLATFORMS, type InboundMessage } from '../../shared/messaging/contract';
import { inboundMessagePath, serialiseOpenMessage, toOpenMessage } from '../../shared/messaging/genesys/open-message';
import { buildFunctions } from '../build';
import { useLocalAws } from '../local/aws-env';
import { startGenesysDouble, type RateWindow } from '../local/doubles/genesys-double';
import { FORWARDER_FUNCTION, startMessagingStack, TOKEN_REFRESHER_FUNCTION } from '../local/messaging-stack';
import { freePort, startMoto } from '../local/moto';

export interface GoodputMeasure {
  /** Complete windows counted. */
  windows: number;
  admitted: number;
  refused: number;
  /** admitted / (limit × windows); undefined when no window could be measured. */
  goodputOfLimit?: number;
}

/**
 * Goodput over the first `count` complete windows of the token that made the
 * most calls (a forwarder uses one shared token; a refresh opens a new series).
 * `stopped`: the forwarder has sent its last call (it gave up or ran dry), so
 * its open window is as good as complete and the windows it never opened
 * count as empty ones: allowance it left unused.
 */
export function goodputFromWindows(windows: RateWindow[], limitPerMinute: number, count: number, { stopped = false } = {}): GoodputMeasure {
  const byToken = new Map<number, RateWindow[]>();
  for (const w of windows) byToken.set(w.token, [...(byToken.get(w.token) ?? []), w]);
  const busiest = [...byToken.values()].sort((a, b) => b.reduce((s, w) => s + w.admitted + w.refused, 0) - a.reduce((s, w) => s + w.admitted + w.refused, 0))[0] ?? [];
  const measured = busiest.filter((w) => stopped || w.complete).slice(0, count);
  const admitted = measured.reduce((s, w) => s + w.admitted, 0);
  const refused = measured.reduce((s, w) => s + w.refused, 0);
  const windowCount = stopped ? count : measured.length;
  return {
    windows: windowCount,
    admitted,
    refused,
    ...(windowCount > 0 ? { goodputOfLimit: admitted / (limitPerMinute * windowCount) } : {}),
  };
}

export interface NaiveRun {
  variant: 'no-retry' | 'retry-1s';
  messages: number;
  delivered: number;
  /** Failed for good (no-retry: every 429; both: anything else but 200). */
  lost: number;
  calls: number;
  answered429: number;
  elapsedMs: number;
}

/**
 * The samples' forwarder: every message is posted the moment it arrives, up
 * to `concurrency` at once (one per webhook being answered), with one token.
 * Stops at `deadline` (epoch ms) with whatever is still unsent counted lost.
 */
export async function runNaiveForwarder(options: {
  variant: NaiveRun['variant'];
  genesysUrl: string;
  clientId: string;
  clientSecret: string;
  integrationId: string;
  messages: InboundMessage[];
  concurrency: number;
  deadline: number;
}): Promise<NaiveRun> {
  const started = Date.now();
  const tokenAnswer = await fetch(`${options.genesysUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (!tokenAnswer.ok) throw new Error(`naive forwarder: login answered ${tokenAnswer.status}`);
  const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
  const url = `${options.genesysUrl}${inboundMessagePath(options.integrationId)}`;
  const run: NaiveRun = { variant: options.variant, messages: options.messages.length, delivered: 0, lost: 0, calls: 0, answered429: 0, elapsedMs: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.messages.length) {
      const message = options.messages[next++]!;
      const body = serialiseOpenMessage(toOpenMessage(message, []));
      for (;;) {
        if (Date.now() >= options.deadline) {
          run.lost += 1;
          break;
        }
        run.calls += 1;
        const answer = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
        await answer.arrayBuffer();
        if (answer.status === 200) {
          run.delivered += 1;
          break;
        }
        if (answer.status === 429) run.answered429 += 1;
        if (answer.status !== 429 || options.variant === 'no-retry') {
          run.lost += 1;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  run.elapsedMs = Date.now() - started;
  return run;
}

export interface BenchRow {
  forwarder: string;
  messages: number;
  delivered: number;
  lost: number;
  calls: number;
  answered429: number;
  goodput: GoodputMeasure;
}

export const ratio429 = (row: Pick<BenchRow, 'calls' | 'answered429'>): number => (row.calls === 0 ? 0 : row.answered429 / row.calls);

export function formatBenchTable(rows: BenchRow[], limitPerMinute: number): string {
  const header = ['forwarder', 'messages', 'delivered', 'lost', 'calls', '429s', '429 / calls', `goodput / limit (${limitPerMinute}/min)`];
  const cells = rows.map((r) => [
    r.forwarder,
    String(r.messages),
    String(r.delivered),
    String(r.lost),
    String(r.calls),
    String(r.answered429),
    `${(ratio429(r) * 100).toFixed(2)}%`,
    r.goodput.goodputOfLimit === undefined ? 'n/a' : `${(r.goodput.goodputOfLimit * 100).toFixed(1)}% over ${r.goodput.windows} window(s)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

export interface MessagingBenchOptions {
  /** The Genesys double's limit and the forwarder's GENESYS_RATE_LIMIT_PER_MINUTE. */
  limitPerMinute: number;
  /** Complete 60 s windows to measure; 0 = a smoke run: forward the backlog, measure nothing. */
  windows: number;
  /** Backlog size; default enough to keep the forwarder busy through every measured window. */
  messages?: number;
  conversations: number;
  /** In-flight calls of the naive baselines (one per webhook being answered). */
  naiveConcurrency: number;
  onProgress?: (line: string) => void;
  /** A local AWS already running (the integration tests'); otherwise a private moto is started. */
  awsEndpoint?: string;
  /** false: the bundles in dist/ are already built (the integration tests' global setup builds them). */
  build?: boolean;
}

export interface MessagingBenchReport {
  limitPerMinute: number;
  windows: number;
  rows: BenchRow[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function benchMessages(count: number, conversations: number): InboundMessage[] {
  const start = Date.parse('2026-11-29T08:00:00.000Z');
  return Array.from({ length: count }, (_, i) => {
    const conversation = i % conversations;
    return {
      v: 1,
      platform: PLATFORMS[conversation % PLATFORMS.length]!,
      userId: `bench-user-${conversation}`,
      messageId: `bench-${i}`,
      eventId: `bench-event-${i}`,
      time: new Date(start + i).toISOString(),
      text: `bench message ${i}`,
      attachments: [],
      receivedAt: new Date().toISOString(),
    };
  });
}

/** Waits until the busiest token has `count` complete windows (or the forwarder stopped using it). */
async function untilWindows(windows: () => RateWindow[], count: number, onProgress?: (line: string) => void): Promise<void> {
  for (;;) {
    const complete = windows().filter((w) => w.complete);
    const busiest = new Map<number, number>();
    for (const w of complete) busiest.set(w.token, (busiest.get(w.token) ?? 0) + 1);
    if (Math.max(0, ...busiest.values()) >= count) return;
    const open = windows().filter((w) => !w.complete);
    onProgress?.(`  ${complete.length}/${count} windows complete; open: ${open.map((w) => `${w.admitted} admitted, ${w.refused}×429`).join('; ') || 'none'}`);
    await sleep(5_000);
  }
}

/**
 * The forwarder (real bundle on local FIFO event source mappings, local AWS,
 * the Genesys double) against a full inbound queue, then the two naive
 * baselines against a fresh double with the same limit and messages.
 */
export async function runMessagingBench(options: MessagingBenchOptions): Promise<MessagingBenchReport> {
  const { limitPerMinute, windows } = options;
  const count = options.messages ?? (windows === 0 ? 30 : Math.ceil(limitPerMinute * (windows + 0.5)));
  const messages = benchMessages(count, options.conversations);
  const rows: BenchRow[] = [];

  if (options.build !== false) await buildFunctions([FORWARDER_FUNCTION, TOKEN_REFRESHER_FUNCTION]);
  const aws = options.awsEndpoint ? { endpoint: options.awsEndpoint, stop: async () => undefined } : await startMoto({ port: await freePort() });
  try {
    useLocalAws(aws.endpoint);
    const session = await startMessagingStack({
      overrides: { genesys_rate_limit_per_minute: limitPerMinute },
      genesys: { rateLimitPerMinute: limitPerMinute },
      forwarders: false,
      ingest: false,
    });
    try {
      const sqs = new SQSClient({});
      for (let i = 0; i < messages.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: session.stack.queues.inbound.url,
            Entries: messages.slice(i, i + 10).map((m, j) => ({
              Id: String(j),
              MessageBody: JSON.stringify(m),
              MessageGroupId: inboundGroupId(m),
              MessageDeduplicationId: inboundDeduplicationId(m),
            })),
          }),
        );
      }
      options.onProgress?.(`forwarder: ${messages.length} messages queued over ${options.conversations} conversations; limit ${limitPerMinute}/min`);
      const fleet = await session.startForwarders();
      if (windows === 0) await session.drained({ timeoutMs: 5 * 60_000 });
      else await untilWindows(() => session.genesys.windows(), windows, options.onProgress);
      await fleet.stop();
      const goodput = goodputFromWindows(session.genesys.windows(), limitPerMinute, windows);
      const stats = session.genesys.stats();
      const summary = await session.summary();
      // Calls and 429s inside the measured windows: the ratio the target is about. Messages still queued when
      // the measurement ends are not lost; only dead-lettered ones are.
      rows.push({
        forwarder: 'gateway forwarder (shared GCRA limiter, Retry-After)',
        messages: messages.length,
        delivered: stats.accepted,
        lost: Object.values(summary.deadLettered).reduce((a, b) => a + b, 0),
        calls: windows === 0 ? stats.accepted + stats.answered429 : goodput.admitted + goodput.refused,
        answered429: windows === 0 ? stats.answered429 : goodput.refused,
        goodput,
      });
    } finally {
      await session.stop();
    }
  } finally {
    await aws.stop();
  }

  for (const variant of ['no-retry', 'retry-1s'] as const) {
    const genesys = await startGenesysDouble({ clientId: 'bench', clientSecret: 'bench-secret', integrationId: 'bench-integration', rateLimitPerMinute: limitPerMinute });
    try {
      options.onProgress?.(`naive forwarder (${variant}): ${messages.length} messages, ${options.naiveConcurrency} at once`);
      // retry-1s keeps trying for the measured windows (smoke: 5 s); no-retry is over as soon as every message got its one answer.
      const deadline = Date.now() + (windows === 0 ? 5_000 : windows * 60_000 + 2_000);
      const run = await runNaiveForwarder({
        variant,
        genesysUrl: genesys.url,
        clientId: 'bench',
        clientSecret: 'bench-secret',
        integrationId: 'bench-integration',
        messages,
        concurrency: options.naiveConcurrency,
        deadline,
      });
      const goodput = goodputFromWindows(genesys.windows(), limitPerMinute, windows, { stopped: true });
      rows.push({ forwarder: `naive, ${variant === 'no-retry' ? 'no retry (public samples)' : 'retry after 1 s'}`, ...run, goodput });
    } finally {
      await genesys.stop();
    }
  }
  return { limitPerMinute, windows, rows };
}
