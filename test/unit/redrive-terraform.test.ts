// terraform/modules/dlq-redrive, read offline: what the design asks of the
// workflow's infrastructure holds in the HCL (standard workflow, logs without
// message data by default, tracing, a private encrypted versioned bucket with
// lifecycle and TLS only, exact permissions, an alarm on failed executions),
// and the root module, once it wires the module, ships the definition file
// the local stack runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { redriveNames } from '../../scripts/local/provision-redrive';
import { TERRAFORM_DIR } from '../../shared/config/stack-spec';

type Body = Record<string, unknown>;
const MODULE = join(TERRAFORM_DIR, 'modules', 'dlq-redrive');

async function load(file: string): Promise<{ resource: Record<string, Record<string, Body[]>>; data: Record<string, Record<string, Body[]>>; variable: Record<string, Body[]>; module: Record<string, Body[]> }> {
  const text = readFileSync(file, 'utf8');
  const json = (await parse(file, text)) as Record<string, unknown>;
  return { resource: {}, data: {}, variable: {}, module: {}, ...(json as object) } as never;
}

const files = await Promise.all(['main.tf', 'iam.tf', 'quarantine.tf', 'variables.tf', 'outputs.tf'].map((f) => load(join(MODULE, f))));
const resource = (type: string, name: string): Body => {
  const found = files.map((f) => f.resource[type]?.[name]?.[0]).find(Boolean);
  if (!found) throw new Error(`resource ${type}.${name} not found in ${MODULE}`);
  return found;
};
const block = (body: Body, name: string): Body => (body[name] as Body[])[0]!;
const variableDefault = (name: string) => files.map((f) => f.variable[name]?.[0]).find(Boolean)?.default;
const policy = (name: string) => files.map((f) => f.data.aws_iam_policy_document?.[name]?.[0]).find(Boolean) as { statement: Array<Body & { sid: string; actions: string[]; resources: unknown }> };

describe('the state machine', () => {
  const sm = resource('aws_sfn_state_machine', 'redrive');

  it('is a standard workflow running the definition it is given', () => {
    expect(sm.type).toBe('STANDARD');
    expect(sm.definition).toBe('${var.definition}');
  });

  it('logs to its own encrypted log group, errors only and without message data unless asked', () => {
    const logging = block(sm, 'logging_configuration');
    expect(logging.log_destination).toBe('${aws_cloudwatch_log_group.redrive.arn}:*');
    expect(logging.level).toBe('${var.log_level}');
    expect(logging.include_execution_data).toBe('${var.include_execution_data}');
    expect(variableDefault('log_level')).toBe('ERROR');
    expect(variableDefault('include_execution_data')).toBe(false);
    const group = resource('aws_cloudwatch_log_group', 'redrive');
    expect(group.kms_key_id).toBe('${var.kms_key_arn}');
    expect(group.retention_in_days).toBe('${var.log_retention_days}');
  });

  it('is traced with X-Ray', () => {
    expect(block(sm, 'tracing_configuration').enabled).toBe(true);
  });

  it('raises an alarm when an execution fails', () => {
    const alarm = resource('aws_cloudwatch_metric_alarm', 'executions_failed');
    expect(alarm).toMatchObject({ namespace: 'AWS/States', metric_name: 'ExecutionsFailed', comparison_operator: 'GreaterThanThreshold', threshold: 0, alarm_actions: '${var.alarm_actions}' });
    expect(alarm.dimensions).toEqual({ StateMachineArn: '${aws_sfn_state_machine.redrive.arn}' });
  });
});

describe('the quarantine bucket', () => {
  it('blocks every kind of public access and disables ACLs', () => {
    expect(resource('aws_s3_bucket_public_access_block', 'quarantine')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(block(resource('aws_s3_bucket_ownership_controls', 'quarantine'), 'rule').object_ownership).toBe('BucketOwnerEnforced');
  });

  it('encrypts with the pipeline key, keeps versions and expires them', () => {
    const sse = block(block(resource('aws_s3_bucket_server_side_encryption_configuration', 'quarantine'), 'rule'), 'apply_server_side_encryption_by_default');
    expect(sse).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: '${var.kms_key_arn}' });
    expect(block(resource('aws_s3_bucket_versioning', 'quarantine'), 'versioning_configuration').status).toBe('Enabled');
    const rule = block(resource('aws_s3_bucket_lifecycle_configuration', 'quarantine'), 'rule');
    expect(rule.status).toBe('Enabled');
    expect(block(rule, 'expiration').days).toBe('${var.quarantine_retention_days}');
    expect(block(rule, 'noncurrent_version_expiration').noncurrent_days).toBe('${var.quarantine_noncurrent_retention_days}');
    expect(block(rule, 'abort_incomplete_multipart_upload').days_after_initiation).toBe(1);
  });

  it('refuses any request without TLS', () => {
    expect(resource('aws_s3_bucket_policy', 'quarantine').policy).toBe('${data.aws_iam_policy_document.quarantine_bucket.json}');
    const [deny] = policy('quarantine_bucket').statement;
    expect(deny).toMatchObject({ effect: 'Deny', actions: ['s3:*'], resources: ['${aws_s3_bucket.quarantine.arn}', '${aws_s3_bucket.quarantine.arn}/*'] });
    expect(deny!.condition).toEqual([{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
  });
});

describe('the role', () => {
  const statements = policy('redrive').statement;
  const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));

  it('may be assumed only by this account\'s redrive state machine', () => {
    const [assume] = policy('assume_by_states').statement;
    expect(assume!.principals).toEqual([{ type: 'Service', identifiers: ['states.amazonaws.com'] }]);
    expect(assume!.condition).toEqual(
      expect.arrayContaining([
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account_id}'] },
        { test: 'ArnLike', variable: 'aws:SourceArn', values: ['${local.state_machine_arn}'] },
      ]),
    );
  });

  it('names exact queues and the quarantine prefix for every SQS and S3 action', () => {
    expect(bySid.InspectAndEmptyDlq).toMatchObject({ resources: '${local.dlq_arns}' });
    expect(bySid.MoveEverything).toMatchObject({ resources: '${local.dlq_arns}' });
    expect(bySid.RedriveToSource).toMatchObject({ actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'], resources: '${local.source_arns}' });
    expect(bySid.QuarantineRepeatOffenders).toMatchObject({ actions: ['s3:PutObject'], resources: ['${local.quarantine_objects}'] });
    // Quarantine objects and the messaging FIFO queues are SSE-KMS with the pipeline key.
    expect(bySid.UsePipelineKey).toMatchObject({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['${var.kms_key_arn}'] });
    const locals = files.flatMap((f) => (f as unknown as { locals?: Body[] }).locals ?? []).reduce<Body>((a, b) => ({ ...a, ...b }), {});
    expect(locals.quarantine_objects).toBe('${aws_s3_bucket.quarantine.arn}/${var.quarantine_prefix}/*');
    expect(locals.dlq_arns).toBe('${distinct([for p in var.queue_pairs : p.dlq_arn])}');
  });

  it('uses "*" only where AWS offers no resource-level permission (log delivery, X-Ray)', () => {
    const wildcard = statements.filter((s) => JSON.stringify(s.resources).includes('"*"'));
    expect(wildcard.map((s) => s.sid).sort()).toEqual(['DeliverExecutionLogs', 'SendTraces']);
    for (const s of statements) expect(s.actions.every((a) => !a.endsWith('*')), s.sid).toBe(true);
  });
});

describe('names', () => {
  it('are the ones the local stack gives the state machine and the bucket', () => {
    const locals = files.flatMap((f) => (f as unknown as { locals?: Body[] }).locals ?? []).reduce<Body>((a, b) => ({ ...a, ...b }), {});
    const render = (expr: unknown) =>
      String(expr)
        .replace('${var.name_prefix}', 'p')
        .replace('${local.name}', 'p-dlq-redrive')
        .replace('${local.account_id}', '111122223333')
        .replace('${local.region}', 'eu-west-1');
    const local = redriveNames('p', '111122223333', 'eu-west-1');
    expect(render(locals.name)).toBe(local.stateMachine);
    expect(render(resource('aws_sfn_state_machine', 'redrive').name)).toBe(local.stateMachine);
    expect(render(resource('aws_s3_bucket', 'quarantine').bucket)).toBe(local.bucket);
  });
});

describe('the root module', () => {
  const root = readFileSync(join(TERRAFORM_DIR, 'main.tf'), 'utf8');
  it('is wired into the root module', () => {
    expect(root).toMatch(/module\s+"dlq_redrive"/);
  });

  it('deploys the definition file the local stack runs, for the buffer DLQ and its buffer', async () => {
    const parsed = await load(join(TERRAFORM_DIR, 'main.tf'));
    const mod = parsed.module.dlq_redrive![0]!;
    expect(mod.source).toBe('./modules/dlq-redrive');
    expect(mod.definition).toMatch(/^\$\{file\("\$\{path\.module\}\/state-machines\/dlq-redrive\.asl\.json"\)\}$/);
    expect(JSON.stringify(mod.queue_pairs)).toContain('module.event_ingest.buffer_dlq_arn');
    expect(JSON.stringify(mod.queue_pairs)).toContain('module.event_ingest.buffer_queue_arn');
  });
});
