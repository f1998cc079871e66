// The operator interface of the redrive workflow: flags, the execution input
// they become, the report as printed, and exit code 2 with the fix for a
// wrong flag (before any AWS call).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUARANTINE_AFTER,
  DEFAULT_RATE,
  MAX_MESSAGES_PER_EXECUTION,
  MAX_VISIBILITY_SECONDS,
  RedriveUsageError,
  awsRedriveTarget,
  executionInput,
  executionName,
  formatReport,
  measuredRate,
  parseReport,
  parseRedriveArgs,
  visibilityTimeoutFor,
  type ExecutionResult,
  type RedriveTarget,
  type SelectiveReport,
} from '../../scripts/lib/redrive';
import { ROOT } from '../../scripts/local/moto';

const target: RedriveTarget = {
  where: 'local',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:genesys-events-dlq-redrive',
  dlqUrl: 'http://127.0.0.1:4566/123456789012/genesys-events-buffer-dlq',
  sourceUrl: 'http://127.0.0.1:4566/123456789012/genesys-events-buffer',
  quarantineBucket: 'genesys-events-dlq-quarantine-123456789012-us-east-1',
  quarantinePrefix: 'quarantine',
};

describe('dlq redrive flags', () => {
  it('default to a dry run of every message at the default rate', () => {
    expect(parseRedriveArgs([])).toEqual({
      apply: false,
      all: false,
      moveAll: false,
      aws: false,
      json: false,
      queue: 'buffer',
      rate: DEFAULT_RATE,
      max: MAX_MESSAGES_PER_EXECUTION,
      batchSize: 10,
      quarantineAfter: DEFAULT_QUARANTINE_AFTER,
    });
  });

  it('carry the filters, rate and limits', () => {
    const request = parseRedriveArgs([
      '--apply',
      '--filter-detail-type',
      'v2.users.',
      '--filter-error-class',
      'schema-violation',
      '--rate',
      '25',
      '--max',
      '40',
      '--quarantine-after',
      '2',
      '--all',
      '--batch-size',
      '2',
    ]);
    expect(request).toMatchObject({ apply: true, all: true, batchSize: 2, filterDetailType: 'v2.users.', filterErrorClass: 'schema-violation', rate: 25, max: 40, quarantineAfter: 2 });
  });

  it.each([
    [['--rate', '0'], /--rate 0 is not allowed: give a whole number from 1 to 500/],
    [['--rate', '2.5'], /--rate 2.5 is not allowed/],
    [['--rate', '501'], /from 1 to 500 \(messages per second; SQS moves at most 500\)/],
    [['--max', '251'], /--max 251 .* from 1 to 250 .*run again for more/],
    [['--quarantine-after', 'x'], /--quarantine-after x is not allowed/],
    [['--filter-error-class', ''], /--filter-error-class needs a value; leave the option out to match every message/],
    [['--speed', '3'], /Unknown option '--speed'; see the options below/],
    [['now'], /unexpected argument "now"; options start with --/],
    [['--move-all'], /local AWS \(moto\) does not implement; add --aws/],
    [['--move-all', '--aws', '--filter-error-class', 'invalid-json'], /--move-all moves every message as it is and takes no filter/],
    [['--batch-size', '11'], /--batch-size 11 is not allowed: give a whole number from 1 to 10 \(SQS receives at most 10 messages at a time\)/],
    [['--all'], /--all needs --apply: a dry run releases what it inspected/],
    [['--all', '--apply', '--move-all', '--aws'], /--move-all already moves every message in one SQS task; drop --all/],
    [['--queue', 'target'], /--queue target is not a queue with a DLQ; give one of buffer, inbound, outbound, maintenance/],
  ])('refuse %j and say how to fix it', (args, message) => {
    expect(() => parseRedriveArgs(args)).toThrow(RedriveUsageError);
    expect(() => parseRedriveArgs(args)).toThrow(message);
  });
});

describe('--queue', () => {
  it.each(['buffer', 'inbound', 'outbound', 'maintenance'])('takes %s', (queue) => {
    expect(parseRedriveArgs(['--queue', queue]).queue).toBe(queue);
  });

  it.each([
    ['inbound', 'INBOUND_DLQ_URL', 'INBOUND_QUEUE_URL'],
    ['maintenance', 'MAINTENANCE_DLQ_URL', 'MAINTENANCE_QUEUE_URL'],
  ] as const)('--aws --queue %s reads the deployed FIFO queue and its DLQ from %s / %s (else terraform output)', async (queue, dlqEnv, sourceEnv) => {
    const env = {
      DLQ_REDRIVE_STATE_MACHINE_ARN: target.stateMachineArn,
      DLQ_QUARANTINE_BUCKET: target.quarantineBucket,
      [dlqEnv]: `https://sqs.eu-west-1.amazonaws.com/123456789012/genesys-messaging-${queue}-dlq.fifo`,
      [sourceEnv]: `https://sqs.eu-west-1.amazonaws.com/123456789012/genesys-messaging-${queue}.fifo`,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      expect(await awsRedriveTarget(queue)).toMatchObject({ where: 'aws', dlqUrl: env[dlqEnv], sourceUrl: env[sourceEnv], quarantinePrefix: 'quarantine' });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
});

describe('the execution input', () => {
  it('is a dry run unless --apply, with the filter only when given', () => {
    const input = executionInput(parseRedriveArgs(['--filter-detail-type', 'v2.detail.events.conversation.']), target);
    expect(input).toMatchObject({
      dlqUrl: target.dlqUrl,
      sourceUrl: target.sourceUrl,
      quarantineBucket: target.quarantineBucket,
      quarantinePrefix: 'quarantine',
      dryRun: true,
      moveAll: false,
      maxMessages: 250,
      messagesPerSecond: 10,
      quarantineAfter: 3,
      receiveBatchSize: 10,
      filter: { detailTypePrefix: 'v2.detail.events.conversation.' },
    });
    expect(executionInput(parseRedriveArgs(['--apply']), target)).toMatchObject({ dryRun: false, filter: {} });
  });

  it('asks for the move task at the given rate for --move-all', () => {
    expect(executionInput(parseRedriveArgs(['--move-all', '--aws', '--apply', '--rate', '500']), { ...target, where: 'aws' })).toMatchObject({
      moveAll: true,
      dryRun: false,
      messagesPerSecond: 500,
    });
  });

  it('hides received messages for longer than a real run can take at its rate, within the SQS maximum', () => {
    const slow = visibilityTimeoutFor(250, 1, false);
    expect(slow).toBeGreaterThan(250);
    expect(visibilityTimeoutFor(250, 1, true)).toBeLessThan(slow);
    expect(visibilityTimeoutFor(1, 500, true)).toBeGreaterThanOrEqual(60);
    expect(visibilityTimeoutFor(250, 1, false)).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
    // One message per receive takes longer than batches of ten.
    expect(visibilityTimeoutFor(250, 10, true, 1)).toBeGreaterThan(visibilityTimeoutFor(250, 10, true, 10));
    expect(visibilityTimeoutFor(250, 1, false, 1)).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
  });

  it('gets a name Step Functions accepts', () => {
    const name = executionName('dry-run', new Date('2026-11-24T10:00:00.000Z'));
    expect(name).toMatch(/^dry-run-20261124100000-[0-9a-f]{6}$/);
    expect(name.length).toBeLessThanOrEqual(80);
  });
});

const report: SelectiveReport = {
  dryRun: false,
  inspected: 13,
  unseen: 0,
  matched: 6,
  redriven: 4,
  quarantined: 2,
  held: 0,
  notMatching: 7,
  leftInDlq: 7,
  dlqDepthBefore: 13,
  byErrorClass: { 'retries-exhausted': 6, 'schema-violation': 6, 'invalid-json': 1 },
  byDetailType: { 'v2.users.{id}.presence': 4, unparseable: 1 },
  stoppedBecause: 'dlq-empty',
  messagesPerSecond: 2,
  quarantineAfter: 3,
  filter: { errorClass: 'schema-violation' },
};

describe('the report', () => {
  it('is validated when it comes back from the execution', () => {
    expect(parseReport(JSON.stringify(report))).toEqual(report);
    expect(() => parseReport(JSON.stringify({ ...report, inspected: 'many' }))).toThrow();
    expect(parseReport(JSON.stringify({ moveAll: true, dryRun: true, wouldMove: 12, messagesPerSecond: 500 }))).toMatchObject({ moveAll: true, wouldMove: 12 });
  });

  it('prints the counts, the groups and the measured rate against the limit', () => {
    const result: ExecutionResult = { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:genesys-events-dlq-redrive:redrive-1', status: 'SUCCEEDED', report, elapsedMs: 4000 };
    expect(measuredRate(report, 4000)).toBe(1.5);
    const text = formatReport(result, target);
    expect(text).toContain('DLQ redrive on the local AWS, genesys-events-buffer-dlq -> genesys-events-buffer');
    expect(text).toContain('errorClass "schema-violation"');
    expect(text).toMatch(/redriven\s+4/);
    expect(text).toMatch(/quarantined\s+2/);
    expect(text).toMatch(/left in DLQ\s+7/);
    expect(text).toMatch(/retries-exhausted\s+6/);
    expect(text).toContain('6 moved in 4.0 s = 1.50 msg/s (limit 2)');
  });

  it('says what a dry run would do, and how to go on', () => {
    const dry: SelectiveReport = { ...report, dryRun: true, redriven: 0, quarantined: 0, wouldRedrive: 4, wouldQuarantine: 2, stoppedBecause: 'max-messages' };
    const text = formatReport({ executionArn: 'arn:x', status: 'SUCCEEDED', report: dry, elapsedMs: 900 }, target);
    expect(text).toContain('(dry run: nothing moved)');
    expect(text).toMatch(/would redrive\s+4/);
    expect(text).toMatch(/would quarantine\s+2/);
    expect(text).toContain('--apply (APPLY=1)');
    expect(text).toContain('the DLQ held about 13; one dry run reports on at most --max (13) of them');
    const real = formatReport({ executionArn: 'arn:x', status: 'SUCCEEDED', report: { ...dry, dryRun: false }, elapsedMs: 900 }, target);
    expect(real).toContain('run again, or add --all (ALL=1), to inspect more');
    const chained = formatReport({ executionArn: 'arn:x', status: 'SUCCEEDED', report: { ...dry, dryRun: false }, elapsedMs: 900 }, target, { chained: true });
    expect(chained).toContain('--all starts the next run');
  });

  it('says when a batch was too large for the state, and when the run stopped on the state size', () => {
    const full: SelectiveReport = { ...report, unseen: 10, stoppedBecause: 'state-size' };
    const text = formatReport({ executionArn: 'arn:x', status: 'SUCCEEDED', report: full, elapsedMs: 900 }, target);
    expect(text).toContain('unseen            up to 10 received in a batch too large');
    expect(text).toContain('stopped: one more message does not fit the 256 KiB state');
    expect(formatReport({ executionArn: 'arn:x', status: 'SUCCEEDED', report, elapsedMs: 900 }, target)).not.toContain('unseen');
  });

  it('gives the error and cause of a failed execution', () => {
    const text = formatReport({ executionArn: 'arn:x', status: 'FAILED', error: 'InvalidInput', cause: 'Input needs dlqUrl', elapsedMs: 10 }, target);
    expect(text).toContain('FAILED');
    expect(text).toContain('InvalidInput: Input needs dlqUrl');
  });
});

describe('npm run cli -- dlq', () => {
  const cli = (...args: string[]) =>
    spawnSync('npx', ['tsx', 'scripts/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOCAL_STATE_DIR: '/nonexistent-redrive-test' }, timeout: 60_000 });

  it('exits 2 on a wrong flag, naming the fix, before touching any AWS', () => {
    const run = cli('dlq', 'redrive', '--rate', '0');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--rate 0 is not allowed: give a whole number from 1 to 500');
    expect(run.stderr).toContain('usage: npm run cli -- dlq');
  });

  it('exits 2 on an unknown dlq action', () => {
    const run = cli('dlq', 'purge');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('dlq: expected "stats" or "redrive", got "purge"');
  });

  it('tells how to start the local AWS when it is not running', () => {
    const run = cli('dlq', 'redrive');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('start it with `npm run cli -- local up` (or `make up`)');
  });
});
