// `npm run cli -- archive replay --from <iso> --to <iso> [--aws] [--name N]`
// and `make rebuild FROM= TO= [AWS=1]`: see scripts/lib/archive-replay.ts.
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { parseIsoMs } from '../../shared/genesys/times';
import { buildFunctions } from '../build';
import { attachLocalSession } from '../local/session';
import { rebuildLocally, replayName, startReplay, waitForReplay, type ReplayProgress, type ReplayRange } from './archive-replay';
import { deployedValues } from './deployed';

export const ARCHIVE_USAGE = `usage: npm run cli -- archive replay --from <ISO time> --to <ISO time> [--aws] [--name <replay name>]
  Sends the archived events whose time is in [from, to] back through the bus's rules to the buffer
  (EventBridge StartReplay), and reports progress until the replay ends. Replayed events are projected
  again under the current topic catalogue (idempotency is keyed per replay); what is already stored
  with the same keys stays (conditional writes), copies collapse.
  --aws     the deployed archive (terraform output event_archive_arn, event_bus_arn, or EVENT_ARCHIVE_ARN,
            EVENT_BUS_ARN); the deployed consumer drains the buffer. Without it: the local AWS of
            \`npm run cli -- local up\`, drained here through the bundle built from the current sources.
  --name    replay name (≤ 64 of A-Z a-z 0-9 . - _); default rebuild-<from>-<to>-<now>
  e.g.      npm run cli -- archive replay --from 2026-11-24T08:00:00Z --to 2026-11-24T09:00:00Z`;

class ArchiveUsageError extends Error {}

function instant(flag: string, raw: string | undefined): Date {
  if (raw === undefined) throw new ArchiveUsageError(`archive replay: --${flag} is required (an ISO-8601 time, e.g. 2026-11-24T08:00:00Z)`);
  const ms = parseIsoMs(raw);
  if (ms === undefined) throw new ArchiveUsageError(`archive replay: --${flag} ${raw} is not an ISO-8601 time with a zone; write e.g. 2026-11-24T08:00:00Z`);
  return new Date(ms);
}

function progressPrinter(range: ReplayRange): (p: ReplayProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastPlain = -Infinity;
  return (p) => {
    const line = `  replay ${p.state.toLowerCase()} ${(p.elapsedMs / 1000).toFixed(0)} s | ${(p.fraction * 100).toFixed(0)}% of ${range.from.toISOString()} → ${range.to.toISOString()}${p.lastReplayed ? ` | last event ${p.lastReplayed.toISOString()}` : ''}`;
    if (tty) process.stderr.write(`\r${line.padEnd(110)}`);
    else if (p.elapsedMs - lastPlain >= 30_000 || p.state === 'COMPLETED') {
      process.stderr.write(`${line}\n`);
      lastPlain = p.elapsedMs;
    }
  };
}

async function replayCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, aws: { type: 'boolean' }, name: { type: 'string' } }, strict: true });
  } catch (error) {
    throw new ArchiveUsageError(`archive replay: ${(error as Error).message}`);
  }
  const { values } = parsed;
  const range = { from: instant('from', values.from), to: instant('to', values.to) };
  if (range.from >= range.to) throw new ArchiveUsageError(`archive replay: --from ${values.from} must be before --to ${values.to}`);
  if (values.name !== undefined && !/^[.\-_A-Za-z0-9]{1,64}$/.test(values.name)) {
    throw new ArchiveUsageError(`archive replay: --name ${values.name} must be 1-64 of A-Z a-z 0-9 . - _`);
  }
  const name = values.name ?? replayName(range);

  if (values.aws) {
    const target = deployedValues(
      { archiveArn: { env: 'EVENT_ARCHIVE_ARN', output: 'event_archive_arn' }, busArn: { env: 'EVENT_BUS_ARN', output: 'event_bus_arn' } },
      'the root module creates the archive in terraform/modules/event-ingest',
    ) as { archiveArn: string; busArn: string };
    const events = new EventBridgeClient({});
    await startReplay(events, target, range, name);
    console.error(`archive replay ${name} started on ${target.archiveArn}; the deployed consumer projects what it sends`);
    const print = progressPrinter(range);
    const replay = await waitForReplay(events, name, range, { onProgress: print });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(JSON.stringify({ replayName: name, from: range.from.toISOString(), to: range.to.toISOString(), state: replay.State, replayStart: replay.ReplayStartTime, replayEnd: replay.ReplayEndTime }));
    return 0;
  }

  const session = attachLocalSession();
  // The consumer that re-projects is the one built from the current sources: the catalogue as it is now.
  await buildFunctions(['event-consumer']);
  const report = await rebuildLocally(session.stack, range, { name });
  console.log(JSON.stringify(report));
  return 0;
}

export async function archiveCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'replay') return await replayCommand(rest);
    if (action === 'help' || action === '--help') {
      console.log(ARCHIVE_USAGE);
      return 0;
    }
    throw new ArchiveUsageError(`archive: expected "replay", got ${action === undefined ? 'nothing' : `"${action}"`}.`);
  } catch (error) {
    if (error instanceof ArchiveUsageError) {
      console.error(`${error.message}\n\n${ARCHIVE_USAGE}`);
      return 2;
    }
    throw error;
  }
}
