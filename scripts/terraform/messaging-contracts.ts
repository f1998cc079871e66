// Contracts of the messaging gateway module (design §1, issue 9), checked on
// the evaluated Terraform with messaging_enabled = true. Like contracts.ts,
// each check returns "file:line: address: what is wrong" lines; [] holds.
import { decodedJson, evaluate, plain, Ref, type Value } from './expressions';
import { locate, rel, type HclBody } from './hcl';
import { allResources, blocks, type ModuleInstance, type ResourceInstance } from './model';
import { instanceFor } from './contracts';

export const MESSAGING_MODULE = 'messaging_gateway';

const where = (r: ResourceInstance, nested: string[] = []): string =>
  `${rel(r.block.file.path)}:${locate(r.block.file.text, [r.kind, r.type, r.name], nested)}: ${r.module.name}.${r.type}.${r.name}${r.key !== undefined ? `["${r.key}"]` : ''}`;

/** The messaging gateway module instance (throws when the root does not call it or count is 0). */
export function messagingModule(root: ModuleInstance): ModuleInstance {
  const m = root.all().find((x) => x.address.join('.') === MESSAGING_MODULE);
  if (!m) throw new Error('module.messaging_gateway is not in the tree: load the Terraform with messaging_enabled = true');
  return m;
}

const inModule = (m: ModuleInstance, type: string, kind: 'resource' | 'data' = 'resource') => m.resources(kind).filter((r) => r.type === type);
const isDlq = (q: ResourceInstance) => q.name === 'dlq';

/** Every messaging queue is FIFO, SSE-KMS, explicit deduplication, high-throughput; every work queue redrives to the FIFO DLQ of the same key. */
export function checkMessagingQueues(root: ModuleInstance): string[] {
  const out: string[] = [];
  const m = messagingModule(root);
  const queues = inModule(m, 'aws_sqs_queue');
  for (const q of queues) {
    const name = q.arg('name');
    if (q.arg('fifo_queue') !== true || typeof name !== 'string' || !name.endsWith('.fifo')) out.push(`${where(q, ['fifo_queue'])}: not a FIFO queue named *.fifo (got ${String(plain(name))})`);
    if (q.arg('content_based_deduplication') !== false) out.push(`${where(q, ['content_based_deduplication'])}: content_based_deduplication must be false (ids come from the platform's event id)`);
    if (q.arg('deduplication_scope') !== 'messageGroup' || q.arg('fifo_throughput_limit') !== 'perMessageGroupId') {
      out.push(`${where(q, ['fifo_throughput_limit'])}: high-throughput FIFO needs deduplication_scope = "messageGroup" and fifo_throughput_limit = "perMessageGroupId"`);
    }
    const kms = q.arg('kms_master_key_id');
    if (!(kms instanceof Ref) && (typeof kms !== 'string' || kms === '')) out.push(`${where(q, ['kms_master_key_id'])}: queue without SSE-KMS (kms_master_key_id)`);
    if (isDlq(q)) continue;
    const policy = decodedJson(q.arg('redrive_policy')) as Record<string, Value> | null;
    const target = policy?.deadLetterTargetArn;
    const dlq = target instanceof Ref ? instanceFor(root, 'aws_sqs_queue', target) : undefined;
    if (!dlq || !isDlq(dlq) || dlq.key !== q.key) out.push(`${where(q, ['redrive_policy'])}: must redrive to aws_sqs_queue.dlq["${q.key}"]`);
    else if (dlq.arg('fifo_queue') !== true) out.push(`${where(q, ['redrive_policy'])}: its DLQ is not FIFO (SQS refuses a standard DLQ for a FIFO queue)`);
    if (typeof policy?.maxReceiveCount !== 'number' || policy.maxReceiveCount < 1) out.push(`${where(q, ['redrive_policy'])}: redrive_policy.maxReceiveCount must be a number >= 1`);
  }
  const keys = (dlq: boolean) => queues.filter((q) => isDlq(q) === dlq).map((q) => q.key).sort();
  if (JSON.stringify(keys(false)) !== JSON.stringify(['inbound', 'maintenance', 'outbound'])) out.push(`messaging queues are ${keys(false).join(', ')}; want inbound, maintenance, outbound`);
  if (JSON.stringify(keys(true)) !== JSON.stringify(keys(false))) out.push(`messaging DLQs are ${keys(true).join(', ')}; want one per queue`);
  return out;
}

/** Which function consumes each work queue (its event source mappings must say the same). */
export const QUEUE_CONSUMERS: Record<string, string> = { inbound: 'forwarder', maintenance: 'forwarder', outbound: 'dispatcher' };

/** Every work queue keeps a message invisible >= 6x the timeout of the function that consumes it. */
export function checkMessagingVisibility(root: ModuleInstance): string[] {
  const m = messagingModule(root);
  const functions = inModule(m, 'aws_lambda_function');
  return inModule(m, 'aws_sqs_queue')
    .filter((q) => !isDlq(q))
    .flatMap((q) => {
      const consumer = QUEUE_CONSUMERS[q.key ?? ''];
      const timeout = functions.find((f) => f.name === consumer)?.arg('timeout');
      if (typeof timeout !== 'number') return [`${where(q)}: cannot evaluate the timeout of its consumer aws_lambda_function.${consumer ?? '?'}`];
      const v = q.arg('visibility_timeout_seconds');
      return typeof v === 'number' && v >= 6 * timeout ? [] : [`${where(q, ['visibility_timeout_seconds'])}: visibility ${String(plain(v))} s is below 6 x the ${consumer} timeout (${timeout} s)`];
    });
}

/**
 * The forwarder consumes inbound and maintenance, the dispatcher outbound:
 * one mapping per queue, FIFO rules (<= 10, no batching window), partial
 * batch responses, bounded concurrency.
 */
export function checkMessagingMappings(root: ModuleInstance): string[] {
  const out: string[] = [];
  const m = messagingModule(root);
  const mappings = inModule(m, 'aws_lambda_event_source_mapping');
  const sources: string[] = [];
  for (const esm of mappings) {
    const source = esm.arg('event_source_arn');
    const queue = source instanceof Ref ? instanceFor(root, 'aws_sqs_queue', source) : undefined;
    const fn = esm.arg('function_name');
    sources.push(queue?.key ?? '?');
    const consumer = QUEUE_CONSUMERS[queue?.key ?? ''];
    if (!(fn instanceof Ref) || fn.path[1] !== consumer) out.push(`${where(esm, ['function_name'])}: the ${queue?.key ?? '?'} queue must invoke aws_lambda_function.${consumer ?? '?'}`);
    const types = esm.arg('function_response_types');
    if (!Array.isArray(types) || !types.includes('ReportBatchItemFailures')) out.push(`${where(esm, ['function_response_types'])}: without ReportBatchItemFailures`);
    const size = esm.arg('batch_size');
    if (typeof size !== 'number' || size < 1 || size > 10) out.push(`${where(esm, ['batch_size'])}: batch_size must be 1-10 for a FIFO queue (got ${String(plain(size))})`);
    if ('maximum_batching_window_in_seconds' in esm.block.body) out.push(`${where(esm, ['maximum_batching_window_in_seconds'])}: FIFO mappings take no batching window`);
    const scaling = blocks(esm.block.body, 'scaling_config')[0];
    const max = scaling ? esm.eval(scaling.maximum_concurrency) : null;
    if (typeof max !== 'number' || max < 2) out.push(`${where(esm, ['scaling_config'])}: scaling_config.maximum_concurrency must be a number >= 2`);
  }
  const want = Object.keys(QUEUE_CONSUMERS).sort();
  if (JSON.stringify(sources.sort()) !== JSON.stringify(want)) out.push(`messaging mappings read ${sources.join(', ') || 'nothing'}; want one each on ${want.join(', ')}`);
  return out;
}

/** SSE with the project key on the table, the bucket, the secrets and the log groups (queues: checkMessagingQueues). */
export function checkMessagingEncryption(root: ModuleInstance): string[] {
  const out: string[] = [];
  const m = messagingModule(root);
  const key = m.variable('kms_key_arn');
  const sameKey = (v: Value) => JSON.stringify(plain(v)) === JSON.stringify(plain(key));
  for (const t of inModule(m, 'aws_dynamodb_table')) {
    const sse = blocks(t.block.body, 'server_side_encryption')[0];
    if (!sse || t.eval(sse.enabled) !== true || !sameKey(t.eval(sse.kms_key_arn))) out.push(`${where(t, ['server_side_encryption'])}: table without SSE under the project key`);
    const pitr = blocks(t.block.body, 'point_in_time_recovery')[0];
    if (!pitr || t.eval(pitr.enabled) !== true) out.push(`${where(t, ['point_in_time_recovery'])}: table without point-in-time recovery`);
  }
  const buckets = inModule(m, 'aws_s3_bucket');
  const sse = inModule(m, 'aws_s3_bucket_server_side_encryption_configuration');
  for (const b of buckets) {
    const conf = sse.find((s) => {
      const ref = s.arg('bucket');
      return ref instanceof Ref && ref.path[1] === b.name;
    });
    const rule = conf ? blocks(conf.block.body, 'rule')[0] : undefined;
    const byDefault = rule ? blocks(rule, 'apply_server_side_encryption_by_default')[0] : undefined;
    if (!conf || !byDefault || conf.eval(byDefault.sse_algorithm) !== 'aws:kms' || !sameKey(conf.eval(byDefault.kms_master_key_id)) || conf.eval(rule!.bucket_key_enabled) !== true) {
      out.push(`${where(b)}: bucket without SSE-KMS under the project key and a bucket key`);
    }
  }
  for (const s of inModule(m, 'aws_secretsmanager_secret')) if (!sameKey(s.arg('kms_key_id'))) out.push(`${where(s, ['kms_key_id'])}: secret not encrypted with the project key`);
  for (const g of inModule(m, 'aws_cloudwatch_log_group')) if (!sameKey(g.arg('kms_key_id'))) out.push(`${where(g, ['kms_key_id'])}: log group not encrypted with the project key`);
  for (const f of inModule(m, 'aws_lambda_function')) if (!sameKey(f.arg('kms_key_arn'))) out.push(`${where(f, ['kms_key_arn'])}: function environment not encrypted with the project key`);
  return out;
}

/** Attachments expire within 2 days; a cut-off multipart upload is aborted within a day. */
export function checkAttachmentLifecycle(root: ModuleInstance): string[] {
  const m = messagingModule(root);
  const lc = inModule(m, 'aws_s3_bucket_lifecycle_configuration')[0];
  if (!lc) return ['no aws_s3_bucket_lifecycle_configuration for the attachment bucket'];
  const rules = blocks(lc.block.body, 'rule').filter((r) => lc.eval(r.status) === 'Enabled');
  const expiry = rules.flatMap((r) => blocks(r, 'expiration')).map((e) => lc.eval(e.days));
  const abort = rules.flatMap((r) => blocks(r, 'abort_incomplete_multipart_upload')).map((a) => lc.eval(a.days_after_initiation));
  const out: string[] = [];
  if (!expiry.some((d) => typeof d === 'number' && d >= 1 && d <= 2)) out.push(`${where(lc, ['rule'])}: attachments must expire within 2 days (got ${JSON.stringify(plain(expiry))})`);
  if (!abort.some((d) => d === 1)) out.push(`${where(lc, ['rule'])}: incomplete multipart uploads must be aborted after 1 day`);
  return out;
}

export interface Statement {
  sid: string;
  effect: string;
  actions: string[];
  /** As written (HCL expressions in ${...}), sorted. */
  resources: string[];
}

/**
 * The statements of a policy document of the messaging module, as written,
 * those of its source_policy_documents (a for_each document given as
 * doc["key"], each.key written out) first.
 */
export function policyStatements(root: ModuleInstance, docName: string, key?: string): Statement[] {
  const docs = inModule(messagingModule(root), 'aws_iam_policy_document', 'data');
  const doc = docs.find((d) => d.name === docName);
  if (!doc) throw new Error(`no data.aws_iam_policy_document.${docName} in the messaging module`);
  const sources = ((doc.block.body.source_policy_documents as string[] | undefined) ?? []).flatMap((raw) => {
    const m = /^\$\{data\.aws_iam_policy_document\.([\w-]+)(?:\["([^"]+)"\])?\.json\}$/.exec(raw);
    if (!m) throw new Error(`data.aws_iam_policy_document.${docName}: source_policy_documents entry ${raw} is not a document of this module`);
    return policyStatements(root, m[1]!, m[2]);
  });
  const written = (raw: string) => (key === undefined ? raw : raw.replaceAll('[each.key]', `["${key}"]`));
  return [
    ...sources,
    ...blocks(doc.block.body, 'statement').map((s: HclBody) => ({
      sid: String(s.sid),
      effect: String(s.effect ?? 'Allow'),
      actions: [...((s.actions as string[]) ?? [])].sort(),
      resources: [...((s.resources as string[]) ?? [])].map(written).sort(),
    })),
  ];
}

/** Route keys of the HTTP API, sorted. */
export function apiRoutes(root: ModuleInstance): string[] {
  return inModule(messagingModule(root), 'aws_apigatewayv2_route')
    .map((r) => String(r.arg('route_key')))
    .sort();
}

/** Environment variable names a messaging function gets, sorted. */
export function functionEnvironment(root: ModuleInstance, resourceName: string): Record<string, unknown> {
  const fn = inModule(messagingModule(root), 'aws_lambda_function').find((f) => f.name === resourceName);
  if (!fn) throw new Error(`no aws_lambda_function.${resourceName} in the messaging module`);
  return plain(fn.eval(blocks(fn.block.body, 'environment')[0]?.variables ?? {})) as Record<string, unknown>;
}

/** Log groups encrypted with the project key whose names the key policy does not let CloudWatch Logs use. */
export function checkLogGroupsInKeyPolicy(root: ModuleInstance): string[] {
  const encryption = root.all().find((x) => x.address.join('.') === 'encryption');
  const allowed = encryption ? (plain(encryption.variable('consumer_log_group_names')) as string[]) : [];
  return allResources(root, 'aws_cloudwatch_log_group')
    .filter((g) => !allowed.includes(String(g.arg('name'))))
    .map((g) => `${where(g, ['name'])}: log group ${String(plain(g.arg('name')))} is not in the key policy (module.encryption consumer_log_group_names); CloudWatch Logs could not encrypt it`);
}

/**
 * The error messages of a module variable's validation blocks that fail for
 * `value` (what `terraform plan` would print), [] when every condition holds.
 */
export function validationErrors(m: ModuleInstance, name: string, value: Value): string[] {
  const decl = m.mod.variables.get(name);
  if (!decl) throw new Error(`var.${name} is not declared in ${m.mod.dir}`);
  const base = m.scope();
  const scope = { ...base, variable: (n: string) => (n === name ? value : base.variable(n)) };
  return blocks(decl.body, 'validation').flatMap((v) => {
    const holds = evaluate(v.condition, scope);
    if (typeof holds !== 'boolean') throw new Error(`var.${name}: validation condition not evaluated (${String(plain(holds))})`);
    return holds ? [] : [String(v.error_message)];
  });
}
