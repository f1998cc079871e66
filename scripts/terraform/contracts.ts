// Contracts the design depends on (design §4, §6), checked over the parsed
// and evaluated Terraform. Each check returns the violations it found, as
// "file:line: address: what is wrong" lines; an empty list means it holds.
import { blockEnd, locate, rel, type HclBody, type TerraformFile } from './hcl';
import { decodedJson, plain, Ref, Unknown, type Value } from './expressions';
import { allResources, blocks, type ModuleInstance, type ResourceInstance } from './model';

const where = (r: ResourceInstance, nested: string[] = []): string => {
  const header = [r.kind, r.type, r.name];
  const line = locate(r.block.file.text, header, nested);
  const address = `${r.module.name === 'root' ? '' : `${r.module.name}.`}${r.kind === 'data' ? 'data.' : ''}${r.type}.${r.name}${r.key !== undefined ? `["${r.key}"]` : ''}`;
  return `${rel(r.block.file.path)}:${line}: ${address}`;
};

const isRefTo = (v: Value, type: string): v is Ref => v instanceof Ref && v.path[0] === type;

/** The queue resource instance a Ref points at (across module boundaries: Refs carry their module directory). */
export function queueFor(root: ModuleInstance, ref: Ref): ResourceInstance | undefined {
  return instanceFor(root, 'aws_sqs_queue', ref);
}

/** The instance a Ref points at; aws_x.y["key"].attr picks the for_each instance with that key. */
export function instanceFor(root: ModuleInstance, type: string, ref: Ref): ResourceInstance | undefined {
  const index = /^\[(".*")\]$/.exec(ref.path[2] ?? '')?.[1];
  const key = index === undefined ? undefined : (JSON.parse(index) as string);
  return allResources(root, type).find((r) => r.module.mod.dir === ref.moduleDir && r.name === ref.path[1] && (key === undefined || r.key === key));
}

const queueId = (q: ResourceInstance) => `${q.module.mod.dir}#${q.name}`;

/** Queues that serve as a dead-letter queue (a redrive or rule-target DLQ points at them, or their name says so). */
function deadLetterQueues(root: ModuleInstance): Set<string> {
  const dlqs = new Set<string>();
  for (const q of allResources(root, 'aws_sqs_queue')) {
    const target = decodedJson(q.arg('redrive_policy'));
    if (target && typeof target === 'object' && !Array.isArray(target) && 'deadLetterTargetArn' in target) {
      const ref = (target as Record<string, Value>).deadLetterTargetArn;
      if (ref instanceof Ref) {
        const dlq = queueFor(root, ref);
        if (dlq) dlqs.add(queueId(dlq));
      }
    }
    const name = q.arg('name');
    if (typeof name === 'string' && name.endsWith('-dlq')) dlqs.add(queueId(q));
  }
  for (const t of allResources(root, 'aws_cloudwatch_event_target')) {
    for (const dlc of blocks(t.block.body, 'dead_letter_config')) {
      const arn = t.eval(dlc.arn);
      if (arn instanceof Ref) {
        const dlq = queueFor(root, arn);
        if (dlq) dlqs.add(queueId(dlq));
      }
    }
  }
  return dlqs;
}

/** Every queue that is not a DLQ redrives to one, with a numeric maxReceiveCount. */
export function checkRedrivePolicies(root: ModuleInstance): string[] {
  const out: string[] = [];
  const dlqs = deadLetterQueues(root);
  for (const q of allResources(root, 'aws_sqs_queue')) {
    if (dlqs.has(queueId(q))) continue;
    if (!('redrive_policy' in q.block.body)) {
      out.push(`${where(q)}: buffer queue has no redrive_policy; a message that keeps failing would be retried until it expires instead of moving to a DLQ`);
      continue;
    }
    const policy = decodedJson(q.arg('redrive_policy'));
    const p = (policy ?? {}) as Record<string, Value>;
    const target = p.deadLetterTargetArn;
    if (!(target instanceof Ref) || !queueFor(root, target)) {
      out.push(`${where(q, ['redrive_policy'])}: redrive_policy.deadLetterTargetArn must reference an aws_sqs_queue of this configuration (got ${String(plain(target ?? null))})`);
    }
    const count = p.maxReceiveCount;
    if (typeof count !== 'number' || count < 1) out.push(`${where(q, ['redrive_policy'])}: redrive_policy.maxReceiveCount must be a number >= 1 (got ${String(plain(count ?? null))})`);
  }
  return out;
}

/** Lambda functions an event source mapping invokes, with the queue it reads. */
function mappings(root: ModuleInstance): Array<{ esm: ResourceInstance; queue?: ResourceInstance; fn?: ResourceInstance; source: Value }> {
  return allResources(root, 'aws_lambda_event_source_mapping').map((esm) => {
    const source = esm.arg('event_source_arn');
    const fnRef = esm.arg('function_name');
    const queue = isRefTo(source, 'aws_sqs_queue') ? queueFor(root, source) : undefined;
    const fn = isRefTo(fnRef, 'aws_lambda_function') ? instanceFor(root, 'aws_lambda_function', fnRef) : undefined;
    return { esm, queue, fn, source };
  });
}

/** A queue feeding a Lambda has a visibility timeout of at least 6x the function timeout (AWS guidance). */
export function checkVisibilityTimeouts(root: ModuleInstance): string[] {
  const out: string[] = [];
  for (const { esm, queue, fn, source } of mappings(root)) {
    if (!isRefTo(source, 'aws_sqs_queue')) continue;
    if (!queue || !fn) {
      out.push(`${where(esm)}: cannot find the queue or function of this mapping to compare visibility and timeout`);
      continue;
    }
    const visibility = 'visibility_timeout_seconds' in queue.block.body ? queue.arg('visibility_timeout_seconds') : 30;
    const timeout = 'timeout' in fn.block.body ? fn.arg('timeout') : 3;
    if (typeof visibility !== 'number' || typeof timeout !== 'number') {
      out.push(`${where(queue, ['visibility_timeout_seconds'])}: cannot evaluate visibility (${String(visibility)}) or function timeout (${String(timeout)})`);
    } else if (visibility < 6 * timeout) {
      out.push(`${where(queue, ['visibility_timeout_seconds'])}: visibility timeout ${visibility} s is below 6 x the consumer timeout (${timeout} s => ${6 * timeout} s); Lambda may still hold a message when it becomes visible again`);
    }
  }
  return out;
}

/** Every SQS event source mapping reports batch item failures and bounds its concurrency. */
export function checkSqsMappings(root: ModuleInstance): string[] {
  const out: string[] = [];
  for (const { esm, source } of mappings(root)) {
    if (source instanceof Ref && !isRefTo(source, 'aws_sqs_queue')) continue; // streams, Kafka: other rules
    const types = esm.arg('function_response_types');
    if (!Array.isArray(types) || !types.includes('ReportBatchItemFailures')) {
      out.push(`${where(esm, ['function_response_types'])}: SQS mapping without function_response_types = ["ReportBatchItemFailures"]; one failed record would retry the whole batch`);
    }
    const scaling = blocks(esm.block.body, 'scaling_config')[0];
    if (!scaling || typeof esm.eval(scaling.maximum_concurrency) !== 'number') {
      out.push(`${where(esm, ['scaling_config'])}: SQS mapping without scaling_config.maximum_concurrency; the consumer could scale past what DynamoDB and downstream allow`);
    }
  }
  return out;
}

/** Every rule has a target; every target has a DLQ (an SQS queue here) and a bounded retry policy. */
export function checkRuleTargets(root: ModuleInstance): string[] {
  const out: string[] = [];
  const targets = allResources(root, 'aws_cloudwatch_event_target');
  for (const t of targets) {
    const dlc = blocks(t.block.body, 'dead_letter_config')[0];
    const dlq = dlc ? t.eval(dlc.arn) : undefined;
    if (!dlc || !isRefTo(dlq ?? null, 'aws_sqs_queue')) {
      out.push(`${where(t, ['dead_letter_config'])}: rule target without dead_letter_config { arn = <an SQS queue> }; events EventBridge cannot deliver would be dropped`);
    }
    const retry = blocks(t.block.body, 'retry_policy')[0];
    if (!retry) {
      out.push(`${where(t)}: rule target without retry_policy; the default retries 185 times over 24 h`);
      continue;
    }
    const attempts = t.eval(retry.maximum_retry_attempts);
    const age = t.eval(retry.maximum_event_age_in_seconds);
    if (typeof attempts !== 'number' || attempts < 0 || attempts > 185) out.push(`${where(t, ['retry_policy', 'maximum_retry_attempts'])}: maximum_retry_attempts must be 0-185 (got ${String(plain(attempts ?? null))})`);
    if (typeof age !== 'number' || age < 60 || age > 86400) out.push(`${where(t, ['retry_policy', 'maximum_event_age_in_seconds'])}: maximum_event_age_in_seconds must be 60-86400 (got ${String(plain(age ?? null))})`);
  }
  for (const rule of allResources(root, 'aws_cloudwatch_event_rule')) {
    const has = targets.some((t) => {
      const r = t.arg('rule');
      return r instanceof Ref && r.moduleDir === rule.module.mod.dir && r.path[1] === rule.name && (rule.key === undefined || t.key === rule.key);
    });
    if (!has) out.push(`${where(rule)}: rule without a target`);
  }
  return out;
}

const WILDCARD_NOTE = /aws-requires-wildcard:\s*\S/;

/** Strings of a list attribute (possibly over several lines) in a block's lines, with their line index. */
function listStrings(lines: string[], attr: string): Array<{ text: string; line: number; attrLine: number }> {
  const out: Array<{ text: string; line: number; attrLine: number }> = [];
  const start = lines.findIndex((l) => new RegExp(`^\\s*${attr}\\s*=`).test(l));
  if (start < 0) return out;
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    const code = lines[i]!.replace(/#.*$/, '');
    for (const m of code.matchAll(/"((?:[^"\\]|\\.)*)"/g)) out.push({ text: m[1]!, line: i, attrLine: start });
    depth += (code.match(/\[/g) ?? []).length - (code.match(/\]/g) ?? []).length;
    if (depth <= 0) break;
  }
  return out;
}

/**
 * IAM policy documents: no "*" in an action or resource unless AWS requires it
 * and a comment `# aws-requires-wildcard: <why>` says so (on the line, or the
 * line above the attribute); no Allow to a "*" principal; every policy argument
 * built by aws_iam_policy_document, so this check sees it.
 */
export function checkIamWildcards(files: TerraformFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const lines = file.text.split('\n');
    const docs = (file.json.data as Record<string, Record<string, HclBody[]>> | undefined)?.aws_iam_policy_document ?? {};
    for (const [docName, bodies] of Object.entries(docs)) {
      const header = locate(file.text, ['data', 'aws_iam_policy_document', docName]) - 1;
      const end = blockEnd(lines, header);
      let found = 0;
      for (let i = header + 1; i < end; i++) {
        if (!/^\s*statement\s*\{/.test(lines[i]!)) continue;
        const stEnd = blockEnd(lines, i);
        const st = lines.slice(i, stEnd + 1);
        found++;
        const sid = /sid\s*=\s*"([^"]*)"/.exec(st.join('\n'))?.[1] ?? `#${found}`;
        const effect = /^\s*effect\s*=\s*"(\w+)"/m.exec(st.join('\n'))?.[1] ?? 'Allow';
        for (const attr of ['actions', 'resources', 'not_actions', 'not_resources']) {
          for (const s of listStrings(st, attr)) {
            const literal = s.text.replace(/\$\{[^}]*\}/g, '');
            if (attr.startsWith('not_') && effect === 'Allow') {
              out.push(`${rel(file.path)}:${i + s.line + 1}: data.aws_iam_policy_document.${docName} statement ${sid}: Allow with ${attr} grants everything else; name what is allowed`);
              break;
            }
            if (!literal.includes('*')) continue;
            const noted = [st[s.line], st[s.attrLine], st[s.attrLine - 1]].some((l) => l !== undefined && WILDCARD_NOTE.test(l));
            if (!noted) {
              out.push(
                `${rel(file.path)}:${i + s.line + 1}: data.aws_iam_policy_document.${docName} statement ${sid}: "${s.text}" in ${attr} has a wildcard; name exact ${attr}, or add "# aws-requires-wildcard: <why>" where AWS requires it`,
              );
            }
          }
        }
        if (effect === 'Allow') {
          const principalStar = /principals\s*\{[^}]*identifiers\s*=\s*\[\s*"\*"\s*\]/s.test(st.join('\n'));
          if (principalStar) out.push(`${rel(file.path)}:${i + 1}: data.aws_iam_policy_document.${docName} statement ${sid}: Allow to any principal ("*")`);
        }
        i = stEnd;
      }
      const parsed = bodies.reduce((n, b) => n + blocks(b, 'statement').length, 0);
      if (parsed !== found) out.push(`${rel(file.path)}:${header + 1}: data.aws_iam_policy_document.${docName}: found ${found} statement blocks in the text but ${parsed} parsed; keep one "statement {" per line`);
    }
    // Policies written as inline JSON would escape the check above.
    const resources = (file.json.resource ?? {}) as Record<string, Record<string, HclBody[]>>;
    for (const [type, byName] of Object.entries(resources)) {
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of bodies) {
          for (const arg of ['policy', 'assume_role_policy']) {
            const v = body[arg];
            if (v === undefined) continue;
            if (typeof v !== 'string' || !/^\$\{data\.aws_iam_policy_document\.[\w-]+(\[[^\]]+\])?\.json\}$/.test(v)) {
              out.push(`${rel(file.path)}:${locate(file.text, ['resource', type, name], [arg])}: ${type}.${name}: ${arg} must be data.aws_iam_policy_document.<name>.json so the IAM checks can read it`);
            }
          }
        }
      }
    }
  }
  return out;
}

/** Data at rest is encrypted: queues (SSE-SQS or KMS), tables (SSE, PITR), log groups (KMS, retention). */
export function checkEncryptionAtRest(root: ModuleInstance): string[] {
  const out: string[] = [];
  for (const q of allResources(root, 'aws_sqs_queue')) {
    const sqsManaged = q.arg('sqs_managed_sse_enabled');
    const kms = 'kms_master_key_id' in q.block.body ? q.arg('kms_master_key_id') : null;
    if (sqsManaged !== true && (kms === null || kms === '')) out.push(`${where(q)}: queue without server-side encryption (sqs_managed_sse_enabled = true or kms_master_key_id)`);
  }
  for (const t of allResources(root, 'aws_dynamodb_table')) {
    const sse = blocks(t.block.body, 'server_side_encryption')[0];
    if (!sse || t.eval(sse.enabled) !== true) out.push(`${where(t, ['server_side_encryption'])}: table without server_side_encryption { enabled = true }`);
    const pitr = blocks(t.block.body, 'point_in_time_recovery')[0];
    if (!pitr || t.eval(pitr.enabled) !== true) out.push(`${where(t, ['point_in_time_recovery'])}: table without point_in_time_recovery { enabled = true }`);
  }
  for (const a of allResources(root, 'aws_cloudwatch_event_archive')) {
    const kms = 'kms_key_identifier' in a.block.body ? a.arg('kms_key_identifier') : null;
    if (kms === null || kms === '') out.push(`${where(a)}: event archive without kms_key_identifier (it keeps every payload for its retention)`);
  }
  for (const g of allResources(root, 'aws_cloudwatch_log_group')) {
    if (!('kms_key_id' in g.block.body)) out.push(`${where(g)}: log group without kms_key_id`);
    if (typeof g.arg('retention_in_days') !== 'number') out.push(`${where(g)}: log group without retention_in_days (logs would be kept forever)`);
  }
  return out;
}

/** Expand local.* references in a raw expression so a check can see what they stand for. */
function expandLocals(instance: ModuleInstance, raw: unknown, depth = 0): string {
  const text = JSON.stringify(raw ?? null);
  if (depth > 4) return text;
  return text.replace(/local\.([\w-]+)/g, (m, name: string) => {
    const decl = instance.mod.locals.get(name);
    return decl ? expandLocals(instance, decl.expr, depth + 1) : m;
  });
}

/**
 * A queue that EventBridge rules deliver to (as target or target DLQ) has a
 * queue policy whose Allow statements let only events.amazonaws.com send,
 * conditioned on aws:SourceArn being one of this configuration's rules.
 */
export function checkRuleQueuePolicies(root: ModuleInstance): string[] {
  const out: string[] = [];
  const delivered = new Map<string, ResourceInstance>();
  for (const t of allResources(root, 'aws_cloudwatch_event_target')) {
    const refs = [t.arg('arn'), ...blocks(t.block.body, 'dead_letter_config').map((d) => t.eval(d.arn))];
    for (const ref of refs) {
      if (!isRefTo(ref, 'aws_sqs_queue')) continue;
      const q = queueFor(root, ref);
      if (q) delivered.set(queueId(q), q);
    }
  }
  const policies = allResources(root, 'aws_sqs_queue_policy');
  const docs = allResources(root, 'aws_iam_policy_document', 'data');
  for (const q of delivered.values()) {
    const policy = policies.find((p) => {
      const url = p.arg('queue_url');
      return url instanceof Ref && url.moduleDir === q.module.mod.dir && url.path[1] === q.name;
    });
    if (!policy) {
      out.push(`${where(q)}: EventBridge delivers to this queue but no aws_sqs_queue_policy lets it (deliveries would fail with AccessDenied)`);
      continue;
    }
    const docRef = policy.arg('policy');
    const doc = docRef instanceof Ref ? docs.find((d) => d.module.mod.dir === docRef.moduleDir && d.name === docRef.path[2]) : undefined;
    if (!doc) {
      out.push(`${where(policy, ['policy'])}: policy is not an aws_iam_policy_document of this module`);
      continue;
    }
    const allows = blocks(doc.block.body, 'statement').filter((s) => (doc.eval(s.effect ?? 'Allow') ?? 'Allow') === 'Allow');
    if (!allows.length) out.push(`${where(doc)}: no Allow statement for EventBridge`);
    for (const s of allows) {
      const principals = blocks(s, 'principals').map((p) => plain(doc.eval(p)) as { type: string; identifiers: string[] });
      const actions = plain(doc.eval(s.actions)) as string[];
      const onlyEvents = principals.length > 0 && principals.every((p) => p.type === 'Service' && p.identifiers.every((i) => i === 'events.amazonaws.com'));
      const onlySend = Array.isArray(actions) && actions.length === 1 && actions[0] === 'sqs:SendMessage';
      const conditions = blocks(s, 'condition').filter((c) => doc.eval(c.variable) === 'aws:SourceArn' && ['ArnEquals', 'ArnLike'].includes(String(doc.eval(c.test))));
      const onRules = conditions.some((c) => expandLocals(doc.module, c.values).includes('aws_cloudwatch_event_rule.'));
      if (!onlyEvents || !onlySend || !onRules) {
        out.push(
          `${where(doc)}: statement ${String(plain(doc.eval(s.sid ?? null)))} must allow only events.amazonaws.com to sqs:SendMessage with an aws:SourceArn condition naming this configuration's rules (principal ok: ${onlyEvents}, action ok: ${onlySend}, rule condition: ${onRules})`,
        );
      }
    }
  }
  return out;
}

/**
 * Every partner event bus has an EventBridge archive of all its events (no
 * event_pattern: a replay must be able to rebuild any topic) with a bounded
 * retention (design §3, "Replay and rebuild").
 */
export function checkEventArchives(root: ModuleInstance): string[] {
  const out: string[] = [];
  const archives = allResources(root, 'aws_cloudwatch_event_archive');
  for (const bus of allResources(root, 'aws_cloudwatch_event_bus').filter((b) => 'event_source_name' in b.block.body)) {
    const archive = archives.find((a) => a.module === bus.module && JSON.stringify(a.block.body.event_source_arn ?? '').includes(`aws_cloudwatch_event_bus.${bus.name}.arn`));
    if (!archive) {
      out.push(`${where(bus)}: partner bus without an aws_cloudwatch_event_archive (nothing to replay a rebuild from)`);
      continue;
    }
    if ('event_pattern' in archive.block.body) out.push(`${where(archive)}: archive with an event_pattern (a replay could not rebuild the topics it leaves out)`);
    const retention = archive.arg('retention_days');
    if (typeof retention !== 'number' || retention < 1) out.push(`${where(archive)}: archive without retention_days >= 1 (0 keeps events forever)`);
  }
  return out;
}

export interface ContractResult {
  name: string;
  violations: string[];
}

export function checkAllContracts(root: ModuleInstance, files: TerraformFile[]): ContractResult[] {
  return [
    { name: 'redrive policy on every buffer queue', violations: checkRedrivePolicies(root) },
    { name: 'visibility timeout >= 6x consumer timeout', violations: checkVisibilityTimeouts(root) },
    { name: 'SQS mappings report batch item failures', violations: checkSqsMappings(root) },
    { name: 'rule targets have a DLQ and a bounded retry policy', violations: checkRuleTargets(root) },
    { name: 'IAM statements name exact actions and resources', violations: checkIamWildcards(files) },
    { name: 'encryption at rest on queues, tables, the event archive and logs', violations: checkEncryptionAtRest(root) },
    { name: 'the partner bus has an archive of every event, retention bounded', violations: checkEventArchives(root) },
    { name: 'only the pipeline rules may send to their queues', violations: checkRuleQueuePolicies(root) },
  ];
}

export const isUnknownValue = (v: Value): boolean => v instanceof Unknown;
