// `npm run cli -- archive replay --from <iso> --to <iso> [--aws]` (`make
// rebuild`): sends a time range of the bus's EventBridge archive back through
// the same rules to the buffer, and reports progress until the replay ends.
// This is how the projection is rebuilt after a topic-catalogue change or a
// bug fix, and how a new stream topic is backfilled (design §3).
//
// Replaying into the live projection is safe by construction: every write is
// conditional on the order key (an event already applied is a stale no-op),
// and a stream aspect holds the order key, so a copy lands on its own item.
// Replayed events carry `replay-name`; the consumer keys idempotency on the
// content digest within that replay (GenesysEvent.idempotencyKey), so content
// the live path recorded is projected again under the current catalogue, and
// copies within one replay still collapse.
//
// Locally, moto implements CreateArchive, StartReplay and DescribeReplay: the
// archive (created by scripts/local/provision.ts) records every event
// published to the bus, and a replay sends the events whose `time` is in the
// range through every rule of the bus, synchronously within StartReplay
// (scripts/local/moto_server.py adds the time-range filter moto lacks). Lambda
// does not run in moto, so the local event source mapping then drains the
// buffer through the consumer bundle.
import { randomBytes } from 'node:crypto';
import { DescribeReplayCommand, EventBridgeClient, StartReplayCommand, type DescribeReplayCommandOutput } from '@aws-sdk/client-eventbridge';
import type { LocalStack } from '../local/provision';
import { replayLines, type ReplayOptions, type ReplaySummary } from './replay';

export interface ArchiveTarget {
  archiveArn: string;
  busArn: string;
}

export interface ReplayRange {
  from: Date;
  to: Date;
}

export interface ReplayProgress {
  state: string;
  /** Time of the last event replayed (AWS replays the range minute by minute), when the service says. */
  lastReplayed?: Date;
  /** Share of the range replayed so far, 0-1. */
  fraction: number;
  elapsedMs: number;
}

const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** A replay name EventBridge accepts (≤ 64 of [.-_A-Za-z0-9]) that says what it was for and when. */
export function replayName(range: ReplayRange, now = new Date()): string {
  const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `rebuild-${stamp(range.from)}-${stamp(range.to)}-${stamp(now).slice(9)}${randomBytes(2).toString('hex')}`;
}

export async function startReplay(events: EventBridgeClient, target: ArchiveTarget, range: ReplayRange, name: string): Promise<void> {
  await events.send(
    new StartReplayCommand({
      ReplayName: name,
      Description: `Rebuild: events from ${range.from.toISOString()} to ${range.to.toISOString()} through the rules again`,
      EventSourceArn: target.archiveArn,
      EventStartTime: range.from,
      EventEndTime: range.to,
      Destination: { Arn: target.busArn },
    }),
  );
}

/** Polls DescribeReplay until the replay completes, fails or is cancelled; throws naming the state and reason unless it completed. */
export async function waitForReplay(
  events: EventBridgeClient,
  name: string,
  range: ReplayRange,
  options: { pollMs?: number; onProgress?: (p: ReplayProgress) => void; timeoutMs?: number } = {},
): Promise<DescribeReplayCommandOutput> {
  const started = Date.now();
  const span = Math.max(1, range.to.getTime() - range.from.getTime());
  for (;;) {
    const replay = await events.send(new DescribeReplayCommand({ ReplayName: name }));
    const state = replay.State ?? 'UNKNOWN';
    const last = replay.EventLastReplayedTime;
    const fraction = state === 'COMPLETED' ? 1 : last ? Math.min(1, Math.max(0, (last.getTime() - range.from.getTime()) / span)) : 0;
    options.onProgress?.({ state, ...(last ? { lastReplayed: last } : {}), fraction, elapsedMs: Date.now() - started });
    if (FINAL_STATES.has(state)) {
      if (state !== 'COMPLETED') throw new Error(`replay ${name} ended ${state}${replay.StateReason ? `: ${replay.StateReason}` : ''}`);
      return replay;
    }
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new Error(`replay ${name} still ${state} after ${Math.round(options.timeoutMs / 1000)} s; it goes on in EventBridge (aws events describe-replay --replay-name ${name})`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 5_000));
  }
}

export interface LocalRebuildReport {
  replayName: string;
  from: string;
  to: string;
  state: string;
  /** What the consumer did with the replayed events. */
  consumed: Pick<ReplaySummary, 'projected' | 'stale' | 'duplicates' | 'deadLettered' | 'topicMismatch' | 'invocations'>;
  elapsedMs: number;
}

/** The local rebuild: StartReplay on moto (the events reach the buffer through the rules), then the local event source mapping drains it. */
export async function rebuildLocally(
  stack: LocalStack,
  range: ReplayRange,
  options: Pick<ReplayOptions, 'settings' | 'consumerEnv' | 'bundleDir' | 'logFile' | 'onProgress'> & { name?: string } = {},
): Promise<LocalRebuildReport> {
  const started = Date.now();
  const events = new EventBridgeClient({});
  const name = options.name ?? replayName(range);
  await startReplay(events, { archiveArn: stack.archiveArn, busArn: stack.busArn }, range, name);
  const replay = await waitForReplay(events, name, range, { pollMs: 200, timeoutMs: 60_000 });
  const summary = await replayLines(stack, [], options);
  return {
    replayName: name,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    state: replay.State ?? 'UNKNOWN',
    consumed: {
      projected: summary.projected,
      stale: summary.stale,
      duplicates: summary.duplicates,
      deadLettered: summary.deadLettered,
      topicMismatch: summary.topicMismatch,
      invocations: summary.invocations,
    },
    elapsedMs: Date.now() - started,
  };
}
