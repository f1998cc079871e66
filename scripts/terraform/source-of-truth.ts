// The Terraform and the local stack describe the same pipeline; the local
// stack's description is shared/config/stack-spec.ts (read from
// terraform/variables.tf defaults and terraform/event-patterns). This compares
// what the Terraform would create, evaluated with its defaults, with that
// description and lists every disagreement.
import type { StackSpec, TableSpec } from '../../shared/config/stack-spec';
import { decodedJson, plain, Ref, type Value } from './expressions';
import { allResources, blocks, type ModuleInstance, type ResourceInstance } from './model';

export interface TargetRetry {
  MaximumRetryAttempts: number;
  MaximumEventAgeInSeconds: number;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function compareWithStackSpec(root: ModuleInstance, spec: StackSpec, localTargetRetry?: TargetRetry): string[] {
  const out: string[] = [];
  const expect = (what: string, terraform: unknown, local: unknown) => {
    if (!same(terraform, local)) out.push(`${what}: Terraform has ${JSON.stringify(terraform)}, the local stack ${JSON.stringify(local)}`);
  };
  const prefix = spec.defaults.name_prefix;

  // Rules: one per pattern file, same name, same pattern.
  const rules = allResources(root, 'aws_cloudwatch_event_rule');
  expect(
    'rule families',
    rules.map((r) => r.key ?? r.name).sort(),
    spec.rules.map((r) => r.family).sort(),
  );
  for (const rule of spec.rules) {
    const tf = rules.find((r) => r.key === rule.family);
    if (!tf) continue;
    expect(`rule ${rule.family} name`, tf.arg('name'), `${prefix}-${rule.family}`);
    const pattern = tf.arg('event_pattern');
    expect(`rule ${rule.family} event pattern`, typeof pattern === 'string' ? JSON.parse(pattern) : plain(pattern), rule.pattern);
  }

  // The archive replays rebuild from.
  const archive = allResources(root, 'aws_cloudwatch_event_archive')[0];
  expect('event archive name', archive?.arg('name') ?? null, spec.archive.name);
  expect('event archive retention days', archive?.arg('retention_days') ?? null, spec.archive.retentionDays);

  // Queues.
  const queues = allResources(root, 'aws_sqs_queue');
  const byName = (name: string) => queues.find((q) => q.arg('name') === name);
  const buffer = byName(spec.bufferQueue.name);
  if (!buffer) out.push(`no aws_sqs_queue named ${spec.bufferQueue.name} (the local buffer queue)`);
  else {
    expect('buffer visibility timeout', buffer.arg('visibility_timeout_seconds'), spec.bufferQueue.visibilityTimeoutSeconds);
    const redrive = plain(decodedJson(buffer.arg('redrive_policy'))) as { maxReceiveCount?: unknown } | null;
    expect('buffer maxReceiveCount', redrive?.maxReceiveCount ?? null, spec.bufferQueue.maxReceiveCount);
    const target = (decodedJson(buffer.arg('redrive_policy')) as Record<string, Value> | null)?.deadLetterTargetArn;
    const dlq = target instanceof Ref ? queues.find((q) => q.module.mod.dir === target.moduleDir && q.name === target.path[1]) : undefined;
    expect('buffer redrive target', dlq?.arg('name') ?? null, spec.bufferQueue.dlqName);
    expect('buffer SSE-SQS', buffer.arg('sqs_managed_sse_enabled'), true);
  }
  for (const name of [spec.bufferQueue.dlqName, spec.targetDlqName]) {
    const q = byName(name);
    if (!q) out.push(`no aws_sqs_queue named ${name} (a local DLQ)`);
    else expect(`${name} retention`, q.arg('message_retention_seconds'), spec.dlqRetentionSeconds);
  }
  for (const t of allResources(root, 'aws_cloudwatch_event_target')) {
    const dlc = blocks(t.block.body, 'dead_letter_config')[0];
    const ref = dlc ? t.eval(dlc.arn) : null;
    const dlq = ref instanceof Ref ? queues.find((q) => q.module.mod.dir === ref.moduleDir && q.name === ref.path[1]) : undefined;
    expect(`rule target ${t.key} DLQ`, dlq?.arg('name') ?? null, spec.targetDlqName);
    const retry = blocks(t.block.body, 'retry_policy')[0];
    if (localTargetRetry && retry) {
      expect(
        `rule target ${t.key} retry policy`,
        { MaximumRetryAttempts: t.eval(retry.maximum_retry_attempts), MaximumEventAgeInSeconds: t.eval(retry.maximum_event_age_in_seconds) },
        localTargetRetry,
      );
    }
  }

  // Tables.
  const tables = allResources(root, 'aws_dynamodb_table');
  const compareTable = (table: TableSpec) => {
    const tf = tables.find((t) => t.arg('name') === table.name);
    if (!tf) {
      out.push(`no aws_dynamodb_table named ${table.name}`);
      return;
    }
    expect(`${table.name} hash key`, tf.arg('hash_key'), table.hashKey);
    expect(`${table.name} range key`, 'range_key' in tf.block.body ? tf.arg('range_key') : null, table.rangeKey ?? null);
    const attrs = Object.fromEntries(blocks(tf.block.body, 'attribute').map((a) => [tf.eval(a.name), tf.eval(a.type)]));
    const keys = [table.hashKey, ...(table.rangeKey ? [table.rangeKey] : [])];
    expect(`${table.name} key attribute types`, attrs, Object.fromEntries(keys.map((k) => [k, 'S'])));
    const ttl = blocks(tf.block.body, 'ttl')[0];
    expect(`${table.name} TTL attribute`, ttl && tf.eval(ttl.enabled) === true ? tf.eval(ttl.attribute_name) : null, table.ttlAttribute ?? null);
    const stream = tf.arg('stream_enabled') === true ? tf.arg('stream_view_type') : null;
    expect(`${table.name} stream`, stream, table.streamViewType ?? null);
  };
  compareTable(spec.projectionTable);
  compareTable(spec.idempotencyTable);

  // The ordering buffer (modules/ordering-buffer), compared when the Terraform
  // evaluated here creates it (ordering_enabled) or the local spec has it on.
  const o = spec.ordering;
  const orderingInTerraform = tables.some((t) => t.arg('name') === o.bufferTable.name);
  if (orderingInTerraform || o.enabled) compareOrdering();
  function compareOrdering() {
  compareTable(o.bufferTable);
  const release = byName(o.releaseQueue.name);
  if (!release) out.push(`no aws_sqs_queue named ${o.releaseQueue.name} (the local release queue)`);
  else {
    expect('release queue FIFO', release.arg('fifo_queue'), true);
    expect('release queue delay (the hold window)', release.arg('delay_seconds'), o.holdSeconds);
    expect('release queue visibility timeout', release.arg('visibility_timeout_seconds'), o.releaseQueue.visibilityTimeoutSeconds);
    const redrive = plain(decodedJson(release.arg('redrive_policy'))) as { maxReceiveCount?: unknown } | null;
    expect('release queue maxReceiveCount', redrive?.maxReceiveCount ?? null, o.releaseQueue.maxReceiveCount);
  }
  const feed = byName(o.feedQueue.name);
  if (!feed) out.push(`no aws_sqs_queue named ${o.feedQueue.name} (the local ordered feed)`);
  else {
    expect('ordered feed FIFO', feed.arg('fifo_queue'), true);
    expect('ordered feed visibility timeout', feed.arg('visibility_timeout_seconds'), o.feedQueue.visibilityTimeoutSeconds);
    expect('ordered feed retention', feed.arg('message_retention_seconds'), o.feedQueue.retentionSeconds);
  }
  for (const name of [o.releaseQueue.dlqName, o.feedQueue.dlqName]) if (!byName(name)) out.push(`no aws_sqs_queue named ${name} (a local ordering DLQ)`);
  const releaseFn = allResources(root, 'aws_lambda_function').find((f) => f.arg('function_name') === o.releaseFunction.name);
  if (!releaseFn) out.push(`no aws_lambda_function named ${o.releaseFunction.name}`);
  else {
    expect('release function timeout', releaseFn.arg('timeout'), o.releaseFunction.timeoutSeconds);
    const env = plain(releaseFn.eval(blocks(releaseFn.block.body, 'environment')[0]?.variables ?? {})) as Record<string, unknown>;
    expect('release environment ORDERING_HOLD_SECONDS', env.ORDERING_HOLD_SECONDS ?? null, String(o.holdSeconds));
    expect('release environment ORDERING_LATE_EVENTS', env.ORDERING_LATE_EVENTS ?? null, o.lateEvents);
    expect('release environment ORDERING_BUFFER_TABLE', env.ORDERING_BUFFER_TABLE ?? null, o.bufferTable.name);
  }
  }

  // Consumer and its event source mapping.
  const d = spec.defaults;
  const fn = allResources(root, 'aws_lambda_function').find((f) => f.arg('function_name') === `${prefix}-consumer`);
  if (!fn) out.push(`no aws_lambda_function named ${prefix}-consumer`);
  else {
    expect('consumer timeout', fn.arg('timeout'), d.consumer_timeout_seconds);
    const env = plain(fn.eval(blocks(fn.block.body, 'environment')[0]?.variables ?? {})) as Record<string, unknown>;
    const wanted: Record<string, string> = {
      PROJECTION_TABLE: spec.projectionTable.name,
      IDEMPOTENCY_TABLE: spec.idempotencyTable.name,
      BUFFER_MAX_RECEIVE_COUNT: String(d.buffer_max_receive_count),
      IDEMPOTENCY_TTL_SECONDS: String(d.idempotency_ttl_seconds),
      IDEMPOTENCY_ENABLED: String(d.consumer_idempotency_enabled),
      EVENT_FUTURE_SKEW_SECONDS: String(d.event_future_skew_seconds),
      MAX_EVENT_BYTES: String(d.max_event_bytes),
      RETRY_BACKOFF_BASE_SECONDS: String(d.retry_backoff_base_seconds),
      RETRY_BACKOFF_CAP_SECONDS: String(d.retry_backoff_cap_seconds),
      BREAKER_FAILURE_THRESHOLD: String(d.breaker_failure_threshold),
      BREAKER_WINDOW_SECONDS: String(d.breaker_window_seconds),
      BREAKER_MINIMUM_RPS: String(d.breaker_minimum_rps),
      BREAKER_HALF_OPEN_AFTER_SECONDS: String(d.breaker_half_open_after_seconds),
    };
    for (const [name, value] of Object.entries(wanted)) expect(`consumer environment ${name}`, env[name] ?? null, value);
  }
  const esm: ResourceInstance | undefined = allResources(root, 'aws_lambda_event_source_mapping')[0];
  if (!esm) out.push('no aws_lambda_event_source_mapping');
  else {
    expect('mapping batch size', esm.arg('batch_size'), d.consumer_batch_size);
    expect('mapping batching window', esm.arg('maximum_batching_window_in_seconds'), d.consumer_batching_window_seconds);
    const scaling = blocks(esm.block.body, 'scaling_config')[0];
    expect('mapping maximum concurrency', scaling ? esm.eval(scaling.maximum_concurrency) : null, d.consumer_max_concurrency);
  }
  return out;
}
