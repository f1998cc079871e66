// The redrive state machine definition, checked offline: it is valid Amazon
// States Language by asl-validator's schemas and checks, and by our own
// structural checks (every state reachable,
// every transition lands on a state of its own scope, fields allowed for the
// state type, tasks are aws-sdk integrations with Retry, failures caught and
// ending in a Fail state), and it agrees with the CLI, the consumer and the
// Terraform role about the names and limits they share.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { REDRIVE_DEFINITION_FILE, REDRIVE_MODULE_VARIABLES, readRedriveModuleDefaults } from '../../scripts/local/provision-redrive';
import { DEFAULT_QUARANTINE_AFTER, DEFAULT_RATE, MAX_MESSAGES_PER_EXECUTION, MAX_MESSAGES_PER_SECOND } from '../../scripts/lib/redrive';
import { TERRAFORM_DIR } from '../../shared/config/stack-spec';
import { PERMANENT_REASONS } from '../../shared/resilience/errors';

type State = Record<string, unknown> & { Type: string };
type Scope = { StartAt: string; States: Record<string, State> };
const definition = JSON.parse(readFileSync(REDRIVE_DEFINITION_FILE, 'utf8')) as Scope & Record<string, unknown>;

/** Every scope: the top level and each Map's ItemProcessor / Parallel branch, with its path. */
function scopes(scope: Scope = definition, path = '$'): Array<{ path: string; scope: Scope }> {
  const out = [{ path, scope }];
  for (const [name, state] of Object.entries(scope.States)) {
    const inner = (state.ItemProcessor ?? state.Iterator) as Scope | undefined;
    if (inner) out.push(...scopes(inner, `${path}.${name}`));
    for (const [i, branch] of ((state.Branches as Scope[] | undefined) ?? []).entries()) out.push(...scopes(branch, `${path}.${name}[${i}]`));
  }
  return out;
}
const allStates = scopes().flatMap(({ path, scope }) => Object.entries(scope.States).map(([name, state]) => ({ where: `${path}.${name}`, name, state })));

function transitions(state: State): string[] {
  const next: string[] = [];
  if (typeof state.Next === 'string') next.push(state.Next);
  if (typeof state.Default === 'string') next.push(state.Default);
  for (const rule of (state.Choices as Array<{ Next: string }> | undefined) ?? []) next.push(rule.Next);
  for (const c of (state.Catch as Array<{ Next: string }> | undefined) ?? []) next.push(c.Next);
  return next;
}

// Fields each state type may have in a JSONPath state machine (Amazon States Language spec and the Step Functions guide).
const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const IO = ['InputPath', 'OutputPath'];
const FLOW = ['Next', 'End'];
const ALLOWED: Record<string, string[]> = {
  Pass: [...COMMON, ...IO, ...FLOW, 'Parameters', 'Result', 'ResultPath'],
  Task: [...COMMON, ...IO, ...FLOW, 'Resource', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch', 'TimeoutSeconds', 'HeartbeatSeconds', 'Credentials'],
  Choice: [...COMMON, ...IO, 'Choices', 'Default'],
  Wait: [...COMMON, ...IO, ...FLOW, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: [...COMMON, ...IO],
  Fail: [...COMMON, 'Error', 'ErrorPath', 'Cause', 'CausePath'],
  Map: [...COMMON, ...IO, ...FLOW, 'ItemsPath', 'ItemSelector', 'ItemProcessor', 'MaxConcurrency', 'MaxConcurrencyPath', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
  Parallel: [...COMMON, ...IO, ...FLOW, 'Branches', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
};
const SDK_TASK = /^arn:aws:states:::aws-sdk:(sqs|s3):([a-z][A-Za-z]+)$/;
const THROTTLING = ['Sqs.RequestThrottledException', 'Sqs.OverLimitException', 'S3.SlowDownException'];

// asl-validator (JSON schemas of the States Language plus its structural
// checks) ships no type declarations; this is the part of its API used here.
interface AslError {
  'Error code': string;
  Message: string;
  schemaError?: { instancePath: string };
}
type AslValidator = (definition: unknown, options?: { checkPaths: boolean; checkArn: boolean }) => { isValid: boolean; errors: AslError[] };
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;
// The validator annotates what it is given; each run gets its own copy.
const validate = (checkPaths: boolean) => aslValidator(structuredClone(definition), { checkPaths, checkArn: true });

/**
 * The two counting steps compare each item with a value of the same input
 * (`[?(@.k == $.key.value)]`): Step Functions evaluates Parameters paths with
 * Jayway JsonPath, which supports root references in filters (only reference
 * paths such as ResultPath forbid them), and the local AWS runs them; the
 * validator's path grammar does not know the form, so these two, and only
 * these, are let through.
 */
const ROOT_REFERENCE_FILTERS: Record<string, string> = {
  '/States/GroupBy/ItemProcessor/States/SelectGroup/Parameters/mine.$': '$.tags[?(@.g == $.g)]',
  '/States/GroupBy/ItemProcessor/States/CountKey/Parameters/counts.$':
    "States.JsonMerge($.counts, States.StringToJson(States.Format('{}{}:{}{}', $.open, States.JsonToString($.key.value), States.ArrayLength($.mine[?(@.k == $.key.value)]), $.close)), false)",
};

describe('the redrive definition is well-formed Amazon States Language', () => {
  it('passes asl-validator: the States Language schemas, unique state names, transitions, terminal states', () => {
    const { errors } = validate(false);
    expect(errors.map((e) => `${e['Error code']}: ${e.Message}`)).toEqual([]);
  });

  it('passes its path checks too, except the two documented root-reference filters', () => {
    const { errors } = validate(true);
    const unexpected = errors.filter((e) => {
      const at = e.schemaError?.instancePath;
      if (at === undefined || !(at in ROOT_REFERENCE_FILTERS)) return true;
      const value = at
        .split('/')
        .slice(1)
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], definition);
      return value !== ROOT_REFERENCE_FILTERS[at];
    });
    expect(unexpected.map((e) => `${e['Error code']}: ${e.Message}`)).toEqual([]);
  });

  it('is a JSONPath workflow with a comment, a start state and an execution timeout', () => {
    expect(definition.QueryLanguage).toBe('JSONPath');
    expect(definition.States[definition.StartAt]).toBeDefined();
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('has only the fields each state type allows, and no JSONata fields', () => {
    for (const { where, state } of allStates) {
      expect(Object.keys(ALLOWED), where).toContain(state.Type);
      const unknown = Object.keys(state).filter((k) => !ALLOWED[state.Type]!.includes(k));
      expect(unknown, where).toEqual([]);
    }
  });

  it('ends every non-terminal state in exactly one of Next or End, and never lets a Fail state go on', () => {
    for (const { where, state } of allStates) {
      if (state.Type === 'Choice') {
        expect((state.Choices as unknown[]).length, where).toBeGreaterThan(0);
        for (const rule of state.Choices as Array<Record<string, unknown>>) expect(rule.Next, where).toBeTypeOf('string');
      } else if (state.Type === 'Fail' || state.Type === 'Succeed') {
        expect(state.Next, where).toBeUndefined();
      } else {
        expect(Boolean(state.Next) !== Boolean(state.End), `${where}: exactly one of Next / End`).toBe(true);
      }
      if (state.Type === 'Wait') expect(state.Seconds ?? state.SecondsPath ?? state.Timestamp ?? state.TimestampPath, where).toBeDefined();
      if (state.Type === 'Map') expect((state.ItemProcessor as Scope).States, where).toBeDefined();
    }
  });

  it('sends every transition to a state of the same scope', () => {
    for (const { path, scope } of scopes()) {
      expect(scope.States[scope.StartAt], `${path}.StartAt`).toBeDefined();
      for (const [name, state] of Object.entries(scope.States)) {
        for (const next of transitions(state)) expect(Object.keys(scope.States), `${path}.${name} -> ${next}`).toContain(next);
      }
    }
  });

  it('reaches every state from StartAt, and every scope has a way out', () => {
    for (const { path, scope } of scopes()) {
      const seen = new Set<string>([scope.StartAt]);
      const queue = [scope.StartAt];
      while (queue.length > 0) for (const next of transitions(scope.States[queue.shift()!]!)) if (!seen.has(next)) seen.add(next), queue.push(next);
      expect(Object.keys(scope.States).filter((n) => !seen.has(n)), `${path}: unreachable`).toEqual([]);
      expect(Object.values(scope.States).some((s) => s.End === true || s.Type === 'Succeed' || s.Type === 'Fail'), path).toBe(true);
    }
  });

  it('keeps state names within the 80-character limit and intrinsic nesting within 10', () => {
    for (const { where, name, state } of allStates) {
      expect(name.length, where).toBeLessThanOrEqual(80);
      const text = JSON.stringify(state.Parameters ?? {}) + JSON.stringify(state.ResultSelector ?? {});
      for (const m of text.matchAll(/"([^"]*\.\$)":"(States\.[^"]*)"/g)) expect((m[2]!.match(/States\./g) ?? []).length, `${where} ${m[1]}`).toBeLessThanOrEqual(10);
    }
  });
});

describe('tasks and failures', () => {
  const tasks = allStates.filter(({ state }) => state.Type === 'Task');

  it('calls AWS only through aws-sdk SQS and S3 integrations: no Lambda to maintain', () => {
    expect(tasks.length).toBeGreaterThan(5);
    for (const { where, state } of tasks) expect(state.Resource, where).toMatch(SDK_TASK);
  });

  it('retries every task on throttling, with backoff and jitter', () => {
    for (const { where, state } of tasks) {
      const retry = state.Retry as Array<{ ErrorEquals: string[]; BackoffRate?: number; JitterStrategy?: string; MaxAttempts?: number }>;
      expect(retry, where).toBeDefined();
      const throttling = retry.find((r) => THROTTLING.every((e) => r.ErrorEquals.includes(e)));
      expect(throttling, `${where}: a Retry for ${THROTTLING.join(', ')}`).toBeDefined();
      expect(throttling!.BackoffRate).toBeGreaterThan(1);
      expect(throttling!.JitterStrategy).toBe('FULL');
      expect(throttling!.MaxAttempts).toBeGreaterThan(1);
    }
  });

  it('catches every failure of the top level and ends it in a Fail state that carries the cause', () => {
    const top = definition.States;
    for (const [name, state] of Object.entries(top)) {
      if (state.Type !== 'Task' && state.Type !== 'Map') continue;
      if (name === 'ReleaseKept' || name === 'ReleaseOnFailure') continue; // their items catch every error themselves
      const catchers = state.Catch as Array<{ ErrorEquals: string[]; Next: string; ResultPath: string }> | undefined;
      expect(catchers?.some((c) => c.ErrorEquals.includes('States.ALL')), `${name} catches States.ALL`).toBe(true);
      // Follow the catch path: it must end in a Fail state without passing through a success end.
      let at = catchers!.find((c) => c.ErrorEquals.includes('States.ALL'))!.Next;
      const path: string[] = [];
      while (top[at]!.Type !== 'Fail') {
        path.push(at);
        expect(path.length, `${name}: catch path ${path.join(' -> ')}`).toBeLessThan(10);
        at = top[at]!.Next as string;
      }
      const fail = top[at]!;
      expect(fail.CausePath ?? fail.Cause, `${name} -> ${at}`).toBeDefined();
    }
  });

  it('names States.DataLimitExceeded on Receive (States.ALL does not catch it on AWS): one message per receive from then on, or stop', () => {
    const receive = definition.States.Receive!;
    const catchers = receive.Catch as Array<{ ErrorEquals: string[]; Next: string; ResultPath: string | null }>;
    expect(catchers[0]).toMatchObject({ ErrorEquals: ['States.DataLimitExceeded'], ResultPath: null });
    const followed: string[] = [];
    for (let at = catchers[0]!.Next; !['NextBatch', 'Finish'].includes(at) && followed.length < 10; ) {
      followed.push(at);
      const state = definition.States[at]!;
      at = (state.Next as string | undefined) ?? (state.Choices as Array<{ Next: string }>)[0]!.Next;
    }
    expect(followed).toEqual(['CountUnseen', 'KeepUnseenCount', 'BatchTooLarge', 'ReceiveOneAtATime']);
    expect(definition.States.ReceiveOneAtATime).toMatchObject({ Result: 1, ResultPath: '$.config.receiveBatchSize', Next: 'NextBatch' });
    expect(definition.States.BatchTooLarge!.Default).toBe('StateFull');
    expect(definition.States.StateFull).toMatchObject({ Result: 'state-size', ResultPath: '$.run.stop', Next: 'Finish' });
  });

  it('releases the messages it holds before failing a selective run', () => {
    const top = definition.States;
    expect(top.Receive!.Catch).toEqual([expect.objectContaining({ Next: 'CountUnseen' }), expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'ReleaseOnFailure' })]);
    expect(top.Inspect!.Catch).toEqual([expect.objectContaining({ Next: 'ReleaseBatchOnFailure' })]);
    expect(top.ReleaseOnFailure!.Next).toBe('RunFailed');
    expect(top.RunFailed!.CausePath).toMatch(/\$\.failure\.Cause/);
  });
});

describe('what the definition shares with the rest of the project', () => {
  const configure = definition.States.Configure!.Parameters as { defaults: Record<string, unknown> };
  const validate = JSON.stringify(definition.States.ValidateInput);
  const upperBound = (field: string) => {
    const m = new RegExp(`"Variable":"\\$\\.config\\.${field}","NumericGreaterThan":(\\d+)`).exec(validate);
    return m ? Number(m[1]) : undefined;
  };

  it('has the CLI limits and defaults', async () => {
    expect(upperBound('maxMessages')).toBe(MAX_MESSAGES_PER_EXECUTION);
    expect(upperBound('messagesPerSecond')).toBe(MAX_MESSAGES_PER_SECOND);
    expect(configure.defaults).toMatchObject({
      dryRun: true,
      maxMessages: MAX_MESSAGES_PER_EXECUTION,
      messagesPerSecond: DEFAULT_RATE,
      quarantineAfter: DEFAULT_QUARANTINE_AFTER,
      quarantinePrefix: (await readRedriveModuleDefaults()).quarantinePrefix,
    });
  });

  it('reads the attribute names the consumer sets, and parses no body the consumer found unparseable', () => {
    const perMessage = JSON.stringify((definition.States.Inspect!.ItemProcessor as Scope).States);
    expect(perMessage).toContain('$.read.withErrorClass.errorClass.StringValue');
    expect(perMessage).toContain('redriveCount');
    const checkBody = (definition.States.Inspect!.ItemProcessor as Scope).States.CheckBody!;
    const classes = [...JSON.stringify(checkBody).matchAll(/"StringEquals":"([^"]+)"/g)].map((m) => m[1]);
    expect(classes.length).toBeGreaterThan(0);
    for (const c of classes) expect(PERMANENT_REASONS as readonly string[]).toContain(c);
    expect(classes).toEqual(expect.arrayContaining(['invalid-json', 'invalid-utf8']));
  });

  it('calls exactly the APIs the Terraform role allows, on the resources it names', async () => {
    const file = `${TERRAFORM_DIR}/modules/dlq-redrive/iam.tf`;
    const hcl = (await parse('iam.tf', readFileSync(file, 'utf8'))) as {
      data: { aws_iam_policy_document: { redrive: Array<{ statement: Array<{ sid: string; actions: string[] }> }> } };
    };
    const statements = hcl.data.aws_iam_policy_document.redrive[0]!.statement;
    const granted = new Set(statements.filter((s) => /^(sqs|s3):/.test(s.actions[0]!)).flatMap((s) => s.actions));
    const used = new Set(
      allStates.flatMap(({ state }) => {
        const m = SDK_TASK.exec(String(state.Resource ?? ''));
        return m ? [`${m[1]}:${m[2]![0]!.toUpperCase()}${m[2]!.slice(1)}`] : [];
      }),
    );
    expect([...used].sort()).toEqual([...granted].sort());
  });

  it('ships as the file the Terraform module variable describes', () => {
    expect(REDRIVE_DEFINITION_FILE).toBe(`${TERRAFORM_DIR}state-machines/dlq-redrive.asl.json`.replace('//', '/'));
    expect(readFileSync(REDRIVE_MODULE_VARIABLES, 'utf8')).toContain('terraform/state-machines/dlq-redrive.asl.json');
  });
});

/** Resolves the `.$` fields of a Parameters block against a state, for plain paths ($.a.b) only. */
function resolveParameters(parameters: Record<string, unknown>, state: unknown): Record<string, unknown> {
  const at = (path: string) => path.replace(/^\$\.?/, '').split('.').filter(Boolean).reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], state);
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) => {
      if (!key.endsWith('.$')) return [key, value];
      if (typeof value !== 'string' || !/^\$(\.[A-Za-z0-9_]+)*$/.test(value)) throw new Error(`${key}: ${String(value)} is not a plain path`);
      return [key.slice(0, -2), at(value)];
    }),
  );
}

describe('move everything: the StartMessageMoveTask request (the local AWS does not implement the API)', () => {
  const states = definition.States;
  const state = {
    config: { messagesPerSecond: MAX_MESSAGES_PER_SECOND, dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/genesys-events-buffer-dlq' },
    dlq: { arn: 'arn:aws:sqs:eu-west-1:111122223333:genesys-events-buffer-dlq', visible: 1200 },
    source: { arn: 'arn:aws:sqs:eu-west-1:111122223333:genesys-events-buffer' },
  };

  it('moves from the DLQ to its source queue at the configured rate, at most 500 per second', () => {
    const start = states.StartMoveTask!;
    expect(start.Resource).toBe('arn:aws:states:::aws-sdk:sqs:startMessageMoveTask');
    expect(resolveParameters(start.Parameters as Record<string, unknown>, state)).toEqual({
      SourceArn: 'arn:aws:sqs:eu-west-1:111122223333:genesys-events-buffer-dlq',
      DestinationArn: 'arn:aws:sqs:eu-west-1:111122223333:genesys-events-buffer',
      MaxNumberOfMessagesPerSecond: 500,
    });
  });

  it('reads both ARNs from the queue URLs it is given', () => {
    expect(resolveParameters(states.ReadQueueArns!.Parameters as Record<string, unknown>, state)).toEqual({
      QueueUrl: state.config.dlqUrl,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    });
    expect((states.ReadSourceArn!.Parameters as Record<string, unknown>)['QueueUrl.$']).toBe('$.config.sourceUrl');
  });

  it('polls ListMessageMoveTasks for the DLQ until the task is no longer running, and fails on anything but COMPLETED', () => {
    expect(states.StartMoveTask!.Next).toBe('WaitForMoveTask');
    expect(states.WaitForMoveTask).toMatchObject({ Type: 'Wait', Next: 'PollMoveTask' });
    expect(states.PollMoveTask!.Resource).toBe('arn:aws:states:::aws-sdk:sqs:listMessageMoveTasks');
    expect(resolveParameters(states.PollMoveTask!.Parameters as Record<string, unknown>, state)).toEqual({ SourceArn: state.dlq.arn, MaxResults: 1 });
    const done = states.MoveTaskDone!;
    const rules = JSON.stringify(done.Choices);
    expect(rules).toContain('"StringEquals":"RUNNING"');
    expect(rules).toContain('"StringEquals":"CANCELLING"');
    expect(done.Choices).toEqual(expect.arrayContaining([expect.objectContaining({ Next: 'WaitForMoveTask' }), expect.objectContaining({ StringEquals: 'COMPLETED', Next: 'MoveAllReport' })]));
    expect(states[done.Default as string]!.Type).toBe('Fail');
  });

  it('only plans in a dry run', () => {
    expect(states.MoveAllOrPlan!.Choices).toEqual([expect.objectContaining({ Variable: '$.config.dryRun', BooleanEquals: true, Next: 'MoveAllPlan' })]);
    expect(states.MoveAllPlan!.End).toBe(true);
  });
});
