// Operator and test CLI: `npm run cli -- <command>`.
//   local up | local down          start + provision / stop the local AWS
//   replay <file.jsonl> [--rate N]  publish events, drain the buffer, print a JSON summary
//   state <entityKey> [--prefix P]  print the projection of one entity (aspects in order-key order)
//   dlq stats | dlq redrive [...]   DLQ depths; the DLQ redrive workflow (scripts/lib/redrive.ts)
//   messaging drain                 wait for the messaging queues (inbound, maintenance, outbound) to empty, print the summary
//   archive replay --from --to      replay a time range of the EventBridge archive (scripts/lib/archive-command.ts)
import { existsSync } from 'node:fs';
//   feed read [--entity K] [--json]  read (and delete) the ordering buffer's ordered feed
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { documentClient } from '../shared/aws/clients';
import { SQSClient } from '@aws-sdk/client-sqs';
import { readEntityItems, toEntityView } from '../shared/projection/read-entity';
import type { FeedMessage } from '../shared/ordering/feed-message';
import { readFeed } from './lib/feed';
import { buildFunctions } from './build';
import { archiveCommand } from './lib/archive-command';
import { dlqCommand } from './lib/redrive';
import { replayLines } from './lib/replay';
import { waitForMessagingDrain } from './local/messaging-daemon';
import { ROOT } from './local/moto';
import { attachLocalSession, localDown, localUp } from './local/session';

const MESSAGING_FUNCTIONS = ['messaging-ingest', 'messaging-forwarder', 'messaging-token-refresher'];

const USAGE = `usage: npm run cli -- <command>
  local up                         start the local AWS (moto) in the background, provision the event path, and start
                                   the messaging gateway (ingest endpoint, forwarder, Genesys and platform doubles)
  local down                       stop both
  messaging drain [--timeout S]    wait until the messaging queues are empty and nothing is in flight, print one
                                   JSON summary line (received, forwarded, duplicatesDropped, divertedToMaintenance,
                                   deadLettered by reason, rateLimited429)
  replay <file.jsonl> [--rate N]   publish each line (an EventBridge event) to the local bus, run the consumer
                                   until the buffer is drained, print one JSON summary line
  state <entityKey> [--prefix P]   print the projection of an entity, e.g. conversation/<id>, user/<id>, aspects in
                                   order-key order (event time); --prefix transcript/ only the aspects starting with it
  dlq stats | dlq redrive [opts]   DLQ depths; inspect and redrive the DLQ (dry run unless --apply): npm run cli -- dlq help
  archive replay --from T --to T   replay a time range of the EventBridge archive through the rules to rebuild or backfill
         [--aws] [--name N]        the projection (local AWS unless --aws): npm run cli -- archive help
  feed read [--entity K] [--json]  print the ordered feed (ORDERING_ENABLED=1 local up) in feed order, one JSON line per
                                   message (entity, aspect, orderKey, eventId, late; --json: the whole message), and
                                   delete what it printed`;

class UsageError extends Error {}

async function localCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`local ${action}: unexpected argument ${rest[0]}`);
  if (action === 'up') {
    await ensureMessagingBundles();
    const session = await localUp();
    const { ingestUrl, genesysUrl, platformUrl, integrationId } = session.messaging!;
    const ordering = session.stack.ordering;
    console.log(
      JSON.stringify({
        endpoint: session.endpoint,
        bus: session.stack.busName,
        buffer: session.stack.bufferQueueUrl,
        dlq: session.stack.bufferDlqUrl,
        projectionTable: session.stack.projectionTable,
        messaging: { ingestUrl, genesysUrl, platformUrl, integrationId },
        ...(ordering ? { ordering: { holdSeconds: ordering.holdSeconds, lateEvents: ordering.lateEvents, bufferTable: ordering.bufferTable, feed: ordering.feedQueueUrl } } : {}),
      }),
    );
    console.error(`local AWS running on ${session.endpoint}, messaging gateway on ${ingestUrl}; stop both with: npm run cli -- local down`);
    return 0;
  }
  if (action === 'down') {
    const down = await localDown();
    if (down.messaging === 'had-crashed') console.error('the messaging gateway had crashed before `local down` (see .local/logs/messaging-daemon.log)');
    console.error(down.aws ? 'local AWS stopped' : 'local AWS was not running');
    return 0;
  }
  throw new UsageError(`local: expected "up" or "down", got ${action === undefined ? 'nothing' : `"${action}"`}`);
}

/** `local up` runs the messaging bundles that ship; build them when a fresh clone has none. */
async function ensureMessagingBundles(): Promise<void> {
  const missing = MESSAGING_FUNCTIONS.filter((name) => !existsSync(join(ROOT, 'dist', name, 'index.mjs')));
  if (missing.length > 0) await buildFunctions(missing);
}

async function messagingCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'drain') throw new UsageError(`messaging: expected "drain", got ${action === undefined ? 'nothing' : `"${action}"`}`);
  const { values } = parseArgs({ args: rest, options: { timeout: { type: 'string' } }, strict: true });
  const timeoutSeconds = values.timeout === undefined ? 900 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`messaging drain: --timeout ${values.timeout} must be a positive number of seconds`);
  const summary = await waitForMessagingDrain({ timeoutMs: timeoutSeconds * 1000 });
  console.log(JSON.stringify(summary));
  return 0;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { rate: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('replay: expected exactly one file (JSON Lines, one EventBridge event per line)');
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!Number.isFinite(rate) || rate <= 0) throw new UsageError(`replay: --rate ${values.rate} must be a positive number of events per second`);
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`replay: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const session = attachLocalSession();
  await buildFunctions(session.stack.ordering ? ['event-consumer', 'ordering-release'] : ['event-consumer']);
  const summary = await replayLines(session.stack, text.split('\n'), rate === undefined ? {} : { rate });
  console.log(JSON.stringify(summary));
  return 0;
}

async function stateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { prefix: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError('state: expected one entity key, e.g. conversation/<conversationId>');
  if (values.prefix === '') throw new UsageError('state: --prefix needs an aspect prefix, e.g. --prefix transcript/');
  const entity = positionals[0];
  const session = attachLocalSession();
  const items = await readEntityItems(documentClient(), session.stack.projectionTable, entity, values.prefix);
  const view = toEntityView(entity, items);
  if (!view) {
    const what = values.prefix ? `entity "${entity}" with aspects starting "${values.prefix}"` : `entity "${entity}"`;
    console.error(`state: no projection for ${what} (keys look like conversation/<id>, user/<id>, audit/<type>/<id>, topic/<topicName>)`);
    return 1;
  }
  console.log(JSON.stringify(view, null, 2));
  return 0;
}

async function feedCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'read') throw new UsageError(`feed: expected "read", got ${action === undefined ? 'nothing' : `"${action}"`}`);
  const { values, positionals } = parseArgs({ args: rest, options: { entity: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`feed read: unexpected argument ${positionals[0]}; filter with --entity <entityKey>`);
  if (values.entity === '') throw new UsageError('feed read: --entity needs an entity key, e.g. conversation/<conversationId>');
  const session = attachLocalSession();
  const ordering = session.stack.ordering;
  if (!ordering) {
    throw new Error('feed read: the ordering buffer is off in the running local AWS; restart it with it on: npm run cli -- local down && ORDERING_ENABLED=1 npm run cli -- local up');
  }
  const line = (m: FeedMessage) =>
    values.json
      ? m
      : { entity: m.entity, aspect: m.aspect, orderKey: m.orderKey, eventId: m.eventId, late: m.late, ...(m.missedWatermark ? { missedWatermark: m.missedWatermark } : {}) };
  const read = await readFeed(new SQSClient({}), ordering.feedQueueUrl, {
    ...(values.entity !== undefined ? { entity: values.entity } : {}),
    onMessage: (m) => console.log(JSON.stringify(line(m))),
  });
  console.error(`feed read: ${read.length} messages, ${read.filter((m) => m.late).length} late${values.entity !== undefined ? ` (entity ${values.entity})` : ''}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'local':
      return localCommand(args);
    case 'replay':
      return replayCommand(args);
    case 'state':
      return stateCommand(args);
    case 'dlq':
      return dlqCommand(args);
    case 'messaging':
      return messagingCommand(args);
    case 'archive':
      return archiveCommand(args);
    case 'feed':
      return feedCommand(args);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(error.message);
    process.exit(1);
  },
);
