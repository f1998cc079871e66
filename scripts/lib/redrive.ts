// Operator side of the DLQ redrive workflow (the state machine is
// terraform/state-machines/dlq-redrive.asl.json): `npm run cli -- dlq ...` and
// `make redrive` build the execution input, start an execution on the local
// AWS (or, with --aws, on the deployed state machine), follow it with a
// progress line and print the report. The workflow does the work; nothing
// here touches a message.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { readVariableDefaults, TERRAFORM_DIR } from '../../shared/config/stack-spec';
// The same depth reading the local event source mapping uses to know when a queue is drained.
import { queueDepth, type QueueDepth } from '../local/event-source-mapping';
import { provisionLocalRedrive, readRedriveModuleDefaults } from '../local/provision-redrive';
import { attachLocalSession } from '../local/session';
import { deployedValues, terraformOutputs } from './deployed';

/**
 * One execution inspects at most this many messages: the messages it keeps
 * (not moved) stay hidden until the end of the run, and their receipt handles
 * must fit in Step Functions' 256 KiB state with the report's tags and one
 * batch of bodies. The definition refuses more (ValidateInput).
 */
export const MAX_MESSAGES_PER_EXECUTION = 250;
/** SQS StartMessageMoveTask accepts at most 500 messages per second; the selective run has the same ceiling. */
export const MAX_MESSAGES_PER_SECOND = 500;
export const DEFAULT_RATE = 10;
export const DEFAULT_QUARANTINE_AFTER = 3;
/** SQS's longest visibility timeout (12 h), and so the longest a run can hold messages. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** The messaging module's variables: its name_prefix names the local messaging queues. */
export const MESSAGING_MODULE_VARIABLES = join(TERRAFORM_DIR, 'modules', 'messaging-gateway', 'variables.tf');

export class RedriveUsageError extends Error {}

/**
 * Which DLQ a run works on: the event path's buffer DLQ (the default), or the
 * DLQ of a messaging FIFO queue (terraform/modules/messaging-gateway), whose
 * messages go back to that queue in their group's order.
 */
export const REDRIVE_QUEUES = ['buffer', 'inbound', 'outbound', 'maintenance'] as const;
export type RedriveQueue = (typeof REDRIVE_QUEUES)[number];
const isRedriveQueue = (v: string): v is RedriveQueue => (REDRIVE_QUEUES as readonly string[]).includes(v);
const MESSAGING_REDRIVE_QUEUES = REDRIVE_QUEUES.filter((q): q is Exclude<RedriveQueue, 'buffer'> => q !== 'buffer');

export interface RedriveRequest {
  apply: boolean;
  /** Real runs one after another until the DLQ's depth at the start has been inspected. */
  all: boolean;
  moveAll: boolean;
  aws: boolean;
  json: boolean;
  queue: RedriveQueue;
  filterDetailType?: string;
  filterErrorClass?: string;
  rate: number;
  max: number;
  /** Messages per ReceiveMessage (SQS allows 10); fewer keeps a batch of large bodies inside the 256 KiB state. */
  batchSize: number;
  quarantineAfter: number;
}

export const DLQ_USAGE = `usage: npm run cli -- dlq <stats|redrive> [options]
  dlq stats [--aws]                print the depth of the DLQs and the buffer (and of the messaging
                                   FIFO queues and their DLQs, when the gateway runs)
  dlq redrive [options]            run the redrive workflow; a dry run unless --apply
    --apply                        move matching messages back (default: dry run, nothing moves)
    --filter-detail-type PREFIX    only messages whose detail-type starts with PREFIX
    --filter-error-class CLASS     only messages with this errorClass (retries-exhausted: no errorClass)
    --rate N                       at most N messages moved per second (1-${MAX_MESSAGES_PER_SECOND}, default ${DEFAULT_RATE})
    --max N                        inspect at most N messages in this run (1-${MAX_MESSAGES_PER_EXECUTION}, default ${MAX_MESSAGES_PER_EXECUTION})
    --all                          with --apply: start runs one after another until as many messages as
                                   the DLQ held at the start have been inspected (one run holds at most ${MAX_MESSAGES_PER_EXECUTION})
    --batch-size N                 messages per receive (1-10, default 10); the run drops to 1 by itself
                                   when a batch is too large for its 256 KiB state
    --quarantine-after N           quarantine to S3 instead once redriveCount reached N (default ${DEFAULT_QUARANTINE_AFTER})
    --move-all                     SQS StartMessageMoveTask: every message, as it is (AWS only: needs --aws)
    --queue Q                      the DLQ to work on: buffer (default), or a messaging FIFO queue's:
                                   inbound, outbound, maintenance (group order kept, new deduplication ids)
    --aws                          the deployed state machine (terraform output) instead of the local AWS
    --json                         print the report as JSON`;

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number, why: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RedriveUsageError(`dlq redrive: ${flag} ${raw} is not allowed: give a whole number from ${min} to ${max}${why ? ` (${why})` : ''}.`);
  }
  return value;
}

export function parseRedriveArgs(args: string[]): RedriveRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        apply: { type: 'boolean' },
        all: { type: 'boolean' },
        'move-all': { type: 'boolean' },
        aws: { type: 'boolean' },
        json: { type: 'boolean' },
        'filter-detail-type': { type: 'string' },
        'filter-error-class': { type: 'string' },
        rate: { type: 'string' },
        max: { type: 'string' },
        'batch-size': { type: 'string' },
        'quarantine-after': { type: 'string' },
        queue: { type: 'string' },
      },
    });
  } catch (error) {
    throw new RedriveUsageError(`dlq redrive: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}; see the options below.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new RedriveUsageError(`dlq redrive: unexpected argument "${positionals[0]}"; options start with -- (see below).`);
  const queue = values.queue ?? 'buffer';
  if (!isRedriveQueue(queue)) throw new RedriveUsageError(`dlq redrive: --queue ${queue} is not a queue with a DLQ; give one of ${REDRIVE_QUEUES.join(', ')}.`);
  const request: RedriveRequest = {
    apply: values.apply === true,
    all: values.all === true,
    moveAll: values['move-all'] === true,
    aws: values.aws === true,
    json: values.json === true,
    queue,
    rate: wholeNumber('--rate', values.rate, DEFAULT_RATE, 1, MAX_MESSAGES_PER_SECOND, 'messages per second; SQS moves at most 500'),
    max: wholeNumber('--max', values.max, MAX_MESSAGES_PER_EXECUTION, 1, MAX_MESSAGES_PER_EXECUTION, 'one execution keeps the receipt handles of what it inspects in its 256 KiB state; run again for more'),
    batchSize: wholeNumber('--batch-size', values['batch-size'], 10, 1, 10, 'SQS receives at most 10 messages at a time'),
    quarantineAfter: wholeNumber('--quarantine-after', values['quarantine-after'], DEFAULT_QUARANTINE_AFTER, 1, 1000, ''),
  };
  for (const flag of ['filter-detail-type', 'filter-error-class'] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    if (value.trim() === '') throw new RedriveUsageError(`dlq redrive: --${flag} needs a value; leave the option out to match every message.`);
    if (flag === 'filter-detail-type') request.filterDetailType = value;
    else request.filterErrorClass = value;
  }
  if (request.all && !request.apply) {
    throw new RedriveUsageError(
      'dlq redrive: --all needs --apply: a dry run releases what it inspected, so a second run would inspect the same messages again; use --max to size one dry run, or add --apply.',
    );
  }
  if (request.all && request.moveAll) {
    throw new RedriveUsageError('dlq redrive: --move-all already moves every message in one SQS task; drop --all.');
  }
  if (request.moveAll) {
    if (request.filterDetailType !== undefined || request.filterErrorClass !== undefined) {
      throw new RedriveUsageError('dlq redrive: --move-all moves every message as it is and takes no filter; drop the --filter-* options, or drop --move-all for a selective redrive.');
    }
    if (!request.aws) {
      throw new RedriveUsageError('dlq redrive: --move-all uses SQS StartMessageMoveTask, which the local AWS (moto) does not implement; add --aws to run it on the deployed state machine, or drop --move-all for the selective redrive.');
    }
  }
  return request;
}

export interface RedriveTarget {
  where: 'local' | 'aws';
  stateMachineArn: string;
  dlqUrl: string;
  sourceUrl: string;
  quarantineBucket: string;
  quarantinePrefix: string;
}

/** The execution input the definition reads (its Configure state holds the defaults). */
export interface RedriveExecutionInput {
  dlqUrl: string;
  sourceUrl: string;
  quarantineBucket: string;
  quarantinePrefix: string;
  dryRun: boolean;
  moveAll: boolean;
  maxMessages: number;
  messagesPerSecond: number;
  receiveBatchSize: number;
  quarantineAfter: number;
  visibilityTimeoutSeconds: number;
  filter: { detailTypePrefix?: string; errorClass?: string };
}

/**
 * How long received messages stay hidden: until the run releases them at its
 * end, so the timeout must outlast the run. A real run waits max / rate
 * seconds at least; each batch of 10 takes a few seconds of state
 * transitions. Too short and a message could be inspected twice; too long
 * only matters if the execution dies without releasing (it releases on every
 * failure it can catch).
 */
export function visibilityTimeoutFor(maxMessages: number, messagesPerSecond: number, dryRun: boolean, batchSize = 10): number {
  const pacing = dryRun ? 0 : Math.ceil(maxMessages / messagesPerSecond);
  // Ten seconds per receive is generous for the transitions of one batch.
  const work = Math.ceil(maxMessages / batchSize) * 10;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(60, pacing + work + 120));
}

export function executionInput(request: RedriveRequest, target: RedriveTarget): RedriveExecutionInput {
  const dryRun = !request.apply;
  return {
    dlqUrl: target.dlqUrl,
    sourceUrl: target.sourceUrl,
    quarantineBucket: target.quarantineBucket,
    quarantinePrefix: target.quarantinePrefix,
    dryRun,
    moveAll: request.moveAll,
    maxMessages: request.max,
    messagesPerSecond: request.rate,
    receiveBatchSize: request.batchSize,
    quarantineAfter: request.quarantineAfter,
    visibilityTimeoutSeconds: visibilityTimeoutFor(request.max, request.rate, dryRun, request.batchSize),
    filter: {
      ...(request.filterDetailType !== undefined ? { detailTypePrefix: request.filterDetailType } : {}),
      ...(request.filterErrorClass !== undefined ? { errorClass: request.filterErrorClass } : {}),
    },
  };
}

const counts = z.record(z.string(), z.number());
export const SelectiveReportSchema = z.object({
  dryRun: z.boolean(),
  inspected: z.number(),
  /** Received in a batch too large for the state: not inspected, hidden until the visibility timeout ends. */
  unseen: z.number().default(0),
  matched: z.number(),
  redriven: z.number(),
  quarantined: z.number(),
  held: z.number(),
  notMatching: z.number(),
  leftInDlq: z.number(),
  dlqDepthBefore: z.number(),
  byErrorClass: counts,
  byDetailType: counts,
  stoppedBecause: z.enum(['dlq-empty', 'max-messages', 'state-size']),
  messagesPerSecond: z.number(),
  quarantineAfter: z.number(),
  filter: z.object({ detailTypePrefix: z.string().optional(), errorClass: z.string().optional() }).passthrough(),
  wouldRedrive: z.number().optional(),
  wouldQuarantine: z.number().optional(),
});
export const MoveAllReportSchema = z.object({
  moveAll: z.literal(true),
  dryRun: z.boolean(),
  wouldMove: z.number().optional(),
  moved: z.number().optional(),
  status: z.string().optional(),
  taskHandle: z.string().optional(),
  messagesPerSecond: z.number(),
});
export type SelectiveReport = z.infer<typeof SelectiveReportSchema>;
export type MoveAllReport = z.infer<typeof MoveAllReportSchema>;

export interface ExecutionResult {
  executionArn: string;
  status: string;
  report?: SelectiveReport | MoveAllReport;
  error?: string;
  cause?: string;
  /** Execution start to stop, as Step Functions recorded them. */
  elapsedMs: number;
}

export interface RedriveProgress {
  elapsedMs: number;
  dlq?: QueueDepth;
  source?: QueueDepth;
}

export { queueDepth, type QueueDepth };

/** Step Functions execution names: 1-80 of letters, digits, '-' and '_'. */
export function executionName(kind: string, now = new Date()): string {
  return `${kind}-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

export async function runExecution(
  sfn: SFNClient,
  target: RedriveTarget,
  input: RedriveExecutionInput,
  options: { name?: string; onProgress?: (progress: RedriveProgress) => void; pollMs?: number; sqs?: SQSClient } = {},
): Promise<ExecutionResult> {
  const kind = input.moveAll ? 'move-all' : input.dryRun ? 'dry-run' : 'redrive';
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name: options.name ?? executionName(kind), input: JSON.stringify(input) }),
  );
  const started = Date.now();
  const sqs = options.sqs ?? new SQSClient({});
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      const elapsedMs =
        execution.startDate && execution.stopDate ? execution.stopDate.getTime() - execution.startDate.getTime() : Date.now() - started;
      const result: ExecutionResult = { executionArn: executionArn!, status: execution.status ?? 'UNKNOWN', elapsedMs };
      if (execution.error) result.error = execution.error;
      if (execution.cause) result.cause = execution.cause;
      if (execution.status === 'SUCCEEDED' && execution.output) result.report = parseReport(execution.output);
      return result;
    }
    if (options.onProgress) {
      const [dlq, source] = await Promise.all([queueDepth(sqs, target.dlqUrl), queueDepth(sqs, target.sourceUrl)]).catch(() => [undefined, undefined]);
      options.onProgress({ elapsedMs: Date.now() - started, ...(dlq ? { dlq } : {}), ...(source ? { source } : {}) });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}

export function parseReport(output: string): SelectiveReport | MoveAllReport {
  const json = JSON.parse(output) as Record<string, unknown>;
  return json.moveAll === true ? MoveAllReportSchema.parse(json) : SelectiveReportSchema.parse(json);
}

export const isMoveAllReport = (report: SelectiveReport | MoveAllReport): report is MoveAllReport => 'moveAll' in report;

/** Messages taken out of the DLQ per second of execution (what the rate limit bounds). */
export function measuredRate(report: SelectiveReport, elapsedMs: number): number {
  return ((report.redriven + report.quarantined) * 1000) / Math.max(1, elapsedMs);
}

const queueName = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

function table(title: string, rows: Record<string, number>): string[] {
  const entries = Object.entries(rows).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return [`  ${title}: none`];
  const width = Math.max(title.length, ...entries.map(([k]) => k.length));
  return [`  ${title.padEnd(width)}  count`, ...entries.map(([k, n]) => `  ${k.padEnd(width)}  ${String(n).padStart(5)}`)];
}

const STOPPED: Record<SelectiveReport['stoppedBecause'], string> = {
  'dlq-empty': 'all of them',
  'max-messages': 'stopped at --max',
  'state-size': 'stopped: one more message does not fit the 256 KiB state next to what the run holds; run again',
};

export function formatReport(result: ExecutionResult, target: RedriveTarget, { chained = false }: { chained?: boolean } = {}): string {
  const where = target.where === 'aws' ? 'AWS' : 'the local AWS';
  const route = `${queueName(target.dlqUrl)} -> ${queueName(target.sourceUrl)}`;
  const report = result.report;
  if (!report) return `DLQ redrive ${result.status} on ${where} (${route}): ${result.error ?? 'no error'}: ${result.cause ?? 'no cause'}\n  execution ${result.executionArn}`;
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  if (isMoveAllReport(report)) {
    return report.dryRun
      ? `DLQ move-all (dry run) on ${where}, ${route}: would move ${report.wouldMove ?? 0} messages at up to ${report.messagesPerSecond}/s with SQS StartMessageMoveTask (as they are: no redriveCount, no quarantine).`
      : `DLQ move-all on ${where}, ${route}: ${report.status}, moved ${report.moved ?? 0} messages in ${seconds} s (limit ${report.messagesPerSecond}/s); task ${report.taskHandle}.`;
  }
  const filter = [
    report.filter.detailTypePrefix ? `detail-type starts with "${report.filter.detailTypePrefix}"` : 'any detail-type',
    report.filter.errorClass ? `errorClass "${report.filter.errorClass}"` : 'any errorClass',
  ].join(', ');
  const lines = [
    `DLQ redrive${report.dryRun ? ' (dry run: nothing moved)' : ''} on ${where}, ${route}`,
    `  filter            ${filter}; quarantine once redriveCount >= ${report.quarantineAfter}`,
    `  inspected         ${report.inspected} of ${report.dlqDepthBefore} in the DLQ (${STOPPED[report.stoppedBecause]})`,
    ...(report.unseen > 0
      ? [
          `  unseen            up to ${report.unseen} received in a batch too large for the workflow's 256 KiB state: not inspected, hidden until their visibility timeout ends; the run went on one message per receive (--batch-size 1 avoids this)`,
        ]
      : []),
    `  matched           ${report.matched}`,
    ...(report.dryRun
      ? [`  would redrive     ${report.wouldRedrive ?? 0}`, `  would quarantine  ${report.wouldQuarantine ?? 0}`]
      : [`  redriven          ${report.redriven}`, `  quarantined       ${report.quarantined}`]),
    ...(report.held > 0 ? [`  held              ${report.held} (10 attributes and no redriveCount: no room to add it; left in the DLQ)`] : []),
    `  not matching      ${report.notMatching}`,
    `  left in DLQ       ${report.leftInDlq}`,
    '',
    ...table('by error class', report.byErrorClass),
    '',
    ...table('by detail-type', report.byDetailType),
    '',
  ];
  if (!report.dryRun) {
    const moved = report.redriven + report.quarantined;
    lines.push(`  rate              ${moved} moved in ${seconds} s = ${measuredRate(report, result.elapsedMs).toFixed(2)} msg/s (limit ${report.messagesPerSecond})`);
  } else {
    lines.push(`  took              ${seconds} s; run again with --apply (APPLY=1) to move`);
  }
  if (report.stoppedBecause === 'max-messages' && report.leftInDlq > 0) {
    lines.push(
      report.dryRun
        ? `  more              the DLQ held about ${report.dlqDepthBefore}; one dry run reports on at most --max (${report.inspected}) of them`
        : chained
          ? `  more              ${report.leftInDlq} messages are still in the DLQ: --all starts the next run`
          : `  more              ${report.leftInDlq} messages are still in the DLQ: run again, or add --all (ALL=1), to inspect more`,
    );
  }
  lines.push(`  execution         ${result.executionArn}`);
  return lines.join('\n');
}

/** Where the DLQ and source URLs of a deployed queue come from: environment variable, else `terraform output`. */
function deployedQueueNames(queue: RedriveQueue) {
  if (queue === 'buffer') return { dlqUrl: { env: 'BUFFER_DLQ_URL', output: 'buffer_dlq_url' }, sourceUrl: { env: 'BUFFER_QUEUE_URL', output: 'buffer_queue_url' } };
  const upper = queue.toUpperCase();
  return {
    dlqUrl: { env: `${upper}_DLQ_URL`, output: `messaging_dlq_urls.${queue}` },
    sourceUrl: { env: `${upper}_QUEUE_URL`, output: `messaging_queue_urls.${queue}` },
  };
}

export async function awsRedriveTarget(queue: RedriveQueue = 'buffer'): Promise<RedriveTarget> {
  const { quarantinePrefix } = await readRedriveModuleDefaults();
  const v = deployedValues({
    stateMachineArn: { env: 'DLQ_REDRIVE_STATE_MACHINE_ARN', output: 'dlq_redrive_state_machine_arn' },
    ...deployedQueueNames(queue),
    quarantineBucket: { env: 'DLQ_QUARANTINE_BUCKET', output: 'dlq_quarantine_bucket_name' },
    quarantinePrefix: { env: 'DLQ_QUARANTINE_PREFIX', output: 'dlq_quarantine_prefix', optional: quarantinePrefix },
  }, 'the root module wires terraform/modules/dlq-redrive');
  return { where: 'aws', ...(v as Omit<RedriveTarget, 'where'>) };
}

export async function localRedriveTarget(queue: RedriveQueue = 'buffer'): Promise<RedriveTarget> {
  const session = attachLocalSession();
  const redrive = await provisionLocalRedrive(session.stack);
  if (queue === 'buffer') return { where: 'local', ...redrive };
  return { where: 'local', ...redrive, ...(await localMessagingQueue(queue)) };
}

/**
 * The local messaging queue and its DLQ, named as the module names them
 * (<name_prefix>-<queue>.fifo, <name_prefix>-<queue>-dlq.fifo, name_prefix
 * from terraform/modules/messaging-gateway/variables.tf).
 */
export async function localMessagingQueue(queue: Exclude<RedriveQueue, 'buffer'>, sqs = new SQSClient({})): Promise<{ dlqUrl: string; sourceUrl: string }> {
  const prefix = (await readVariableDefaults(MESSAGING_MODULE_VARIABLES))('name_prefix');
  if (typeof prefix !== 'string') throw new Error(`${MESSAGING_MODULE_VARIABLES}: variable "name_prefix" needs a string default.`);
  const url = async (name: string) => {
    try {
      return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    } catch (error) {
      if ((error as Error).name !== 'QueueDoesNotExist' && (error as Error).name !== 'AWS.SimpleQueueService.NonExistentQueue') throw error;
      throw new RedriveUsageError(`dlq redrive: the local AWS has no queue ${name}; start the messaging stack with \`make up\` (npm run cli -- local up), or use --queue buffer.`);
    }
  };
  return { dlqUrl: await url(`${prefix}-${queue}-dlq.fifo`), sourceUrl: await url(`${prefix}-${queue}.fifo`) };
}

function progressPrinter(): ((p: RedriveProgress) => void) & { done(): void } {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const print = (p: RedriveProgress) => {
    const depth = (d?: QueueDepth) => (d ? `${d.visible} visible, ${d.inFlight} hidden` : '?');
    const line = `  running ${(p.elapsedMs / 1000).toFixed(0)} s | DLQ ${depth(p.dlq)} | source ${p.source ? p.source.visible + p.source.inFlight : '?'} queued`;
    if (tty) process.stderr.write(`\r${line.padEnd(80)}`);
    else if (p.elapsedMs - lastPrinted >= 10_000) {
      process.stderr.write(`${line}\n`);
      lastPrinted = p.elapsedMs;
    }
  };
  return Object.assign(print, { done: () => (tty ? process.stderr.write(`\r${' '.repeat(80)}\r`) : undefined) });
}

async function statsCommand(args: string[]): Promise<number> {
  const aws = args.includes('--aws');
  const unknown = args.filter((a) => a !== '--aws');
  if (unknown.length > 0) throw new RedriveUsageError(`dlq stats: unexpected argument "${unknown[0]}"; the only option is --aws.`);
  let queues: Array<[string, string]>;
  if (aws) {
    const v = deployedValues({
      dlq: { env: 'BUFFER_DLQ_URL', output: 'buffer_dlq_url' },
      targetDlq: { env: 'TARGET_DLQ_URL', output: 'target_dlq_url' },
      buffer: { env: 'BUFFER_QUEUE_URL', output: 'buffer_queue_url' },
    }, 'the root module wires terraform/modules/dlq-redrive');
    queues = [['buffer DLQ', v.dlq!], ['rule-target DLQ', v.targetDlq!], ['buffer', v.buffer!]];
    // The messaging FIFO queues, when the gateway is deployed (messaging_enabled).
    const outputs = terraformOutputs();
    for (const q of MESSAGING_REDRIVE_QUEUES) {
      const dlq = process.env[`${q.toUpperCase()}_DLQ_URL`] ?? outputs[`messaging_dlq_urls.${q}`];
      const source = process.env[`${q.toUpperCase()}_QUEUE_URL`] ?? outputs[`messaging_queue_urls.${q}`];
      if (dlq && source) queues.push([`${q} DLQ`, dlq], [q, source]);
    }
  } else {
    const { stack } = attachLocalSession();
    queues = [['buffer DLQ', stack.bufferDlqUrl], ['rule-target DLQ', stack.targetDlqUrl], ['buffer', stack.bufferQueueUrl]];
    // The messaging FIFO queues, when `local up` started the gateway.
    for (const q of MESSAGING_REDRIVE_QUEUES) {
      const found = await localMessagingQueue(q).catch((error: unknown) => {
        if (error instanceof RedriveUsageError) return undefined;
        throw error;
      });
      if (found) queues.push([`${q} DLQ`, found.dlqUrl], [q, found.sourceUrl]);
    }
  }
  const sqs = new SQSClient({});
  const rows = await Promise.all(queues.map(async ([label, url]) => [label, queueName(url), await queueDepth(sqs, url)] as const));
  const width = Math.max(...rows.map(([label, name]) => `${label} (${name})`.length));
  console.log(`${'queue'.padEnd(width)}  visible  hidden  delayed`);
  for (const [label, name, d] of rows) {
    console.log(`${`${label} (${name})`.padEnd(width)}  ${String(d.visible).padStart(7)}  ${String(d.inFlight).padStart(6)}  ${String(d.delayed).padStart(7)}`);
  }
  return 0;
}

/**
 * One execution, or with --all real runs one after another. The chain stops
 * once the runs together inspected as many messages as the DLQ held when the
 * first one started: a redriven message that fails again lands back in the
 * DLQ (with redriveCount + 1), and chasing it would redrive it again at once,
 * before whatever made it fail could be looked at. It also stops when a run
 * moved nothing (only non-matching or held messages are left) or failed.
 */
export async function runRedrive(
  sfn: SFNClient,
  target: RedriveTarget,
  request: RedriveRequest,
  options: { onRun?: (result: ExecutionResult) => void; onProgress?: (progress: RedriveProgress) => void; pollMs?: number } = {},
): Promise<ExecutionResult[]> {
  const input = executionInput(request, target);
  const results: ExecutionResult[] = [];
  let depthAtStart: number | undefined;
  let inspected = 0;
  for (;;) {
    const result = await runExecution(sfn, target, input, { onProgress: options.onProgress, pollMs: options.pollMs });
    results.push(result);
    options.onRun?.(result);
    const report = result.report;
    if (!request.all || result.status !== 'SUCCEEDED' || !report || isMoveAllReport(report)) return results;
    depthAtStart ??= report.dlqDepthBefore;
    inspected += report.inspected;
    const moved = report.redriven + report.quarantined;
    if (report.stoppedBecause !== 'max-messages' || moved === 0 || inspected >= depthAtStart) return results;
  }
}

async function redriveCommand(args: string[]): Promise<number> {
  const request = parseRedriveArgs(args);
  const target = request.aws ? await awsRedriveTarget(request.queue) : await localRedriveTarget(request.queue);
  const progress = progressPrinter();
  const results = await runRedrive(new SFNClient({}), target, request, {
    onProgress: progress,
    onRun: (result) => {
      progress.done();
      if (request.json) console.log(JSON.stringify({ status: result.status, executionArn: result.executionArn, elapsedMs: result.elapsedMs, ...(result.report ? { report: result.report } : { error: result.error, cause: result.cause }) }));
      else console.log(formatReport(result, target, { chained: request.all }));
    },
  });
  if (results.length > 1 && !request.json) console.log(formatChainSummary(results));
  return results.every((r) => r.status === 'SUCCEEDED') ? 0 : 1;
}

/** The totals of an --all chain, after each run's own report. */
export function formatChainSummary(results: ExecutionResult[]): string {
  const reports = results.flatMap((r) => (r.report && !isMoveAllReport(r.report) ? [r.report] : []));
  const sum = (pick: (r: SelectiveReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
  const moved = sum((r) => r.redriven + r.quarantined);
  const elapsedMs = results.reduce((total, r) => total + r.elapsedMs, 0);
  const last = reports.at(-1);
  return (
    `--all: ${results.length} runs, inspected ${sum((r) => r.inspected)}, redriven ${sum((r) => r.redriven)}, quarantined ${sum((r) => r.quarantined)}, ` +
      `left in DLQ ${last?.leftInDlq ?? '?'}; ${moved} moved in ${(elapsedMs / 1000).toFixed(1)} s of executions = ${((moved * 1000) / Math.max(1, elapsedMs)).toFixed(2)} msg/s (limit ${last?.messagesPerSecond ?? '?'})`
  );
}

/** `npm run cli -- dlq ...`: 0 done, 1 failed, 2 wrong usage (the message names the fix). */
export async function dlqCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'stats') return await statsCommand(rest);
    if (action === 'redrive') return await redriveCommand(rest);
    if (action === 'help' || action === '--help') {
      console.log(DLQ_USAGE);
      return 0;
    }
    throw new RedriveUsageError(`dlq: expected "stats" or "redrive", got ${action === undefined ? 'nothing' : `"${action}"`}.`);
  } catch (error) {
    if (error instanceof RedriveUsageError) {
      console.error(`${error.message}\n\n${DLQ_USAGE}`);
      return 2;
    }
    throw error;
  }
}
