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
import type { InboundMessage } from '../../shared/messaging/contract';
import { inboundMessagePath, serialiseOpenMessage, toOpenMessage } from '../../shared/messaging/genesys/open-message';
import type { RateWindow } from '../local/doubles/genesys-double';

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
