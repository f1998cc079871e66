// The description of the event path that both the Terraform and the local
// stack follow. It is read from terraform/variables.tf (defaults) and
// terraform/event-patterns/*.json, so the two cannot drift apart silently:
// test/unit/terraform tests compare the HCL with this spec.
import { readFile, readdir } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const TERRAFORM_DIR = new URL('../../terraform/', import.meta.url).pathname;
export const EVENT_PATTERN_DIR = join(TERRAFORM_DIR, 'event-patterns');

/** Variables of terraform/variables.tf that the local stack uses, by name. */
export interface SharedDefaults {
  name_prefix: string;
  buffer_max_receive_count: number;
  consumer_batch_size: number;
  consumer_batching_window_seconds: number;
  consumer_max_concurrency: number;
  consumer_timeout_seconds: number;
  idempotency_ttl_seconds: number;
  event_future_skew_seconds: number;
  max_event_bytes: number;
  retry_backoff_base_seconds: number;
  retry_backoff_cap_seconds: number;
  breaker_failure_threshold: number;
  breaker_window_seconds: number;
  breaker_minimum_rps: number;
  breaker_half_open_after_seconds: number;
  consumer_idempotency_enabled: boolean;
  event_archive_retention_days: number;
}

const SHARED_NUMBERS = [
  'buffer_max_receive_count',
  'consumer_batch_size',
  'consumer_batching_window_seconds',
  'consumer_max_concurrency',
  'consumer_timeout_seconds',
  'idempotency_ttl_seconds',
  'event_future_skew_seconds',
  'max_event_bytes',
  'retry_backoff_base_seconds',
  'retry_backoff_cap_seconds',
  'breaker_failure_threshold',
  'breaker_window_seconds',
  'breaker_minimum_rps',
  'breaker_half_open_after_seconds',
  'event_archive_retention_days',
] as const satisfies ReadonlyArray<keyof SharedDefaults>;

export interface RuleSpec {
  /** File name without .json; also the rule name suffix. */
  family: string;
  pattern: Record<string, unknown>;
}

export interface TableSpec {
  name: string;
  hashKey: string;
  rangeKey?: string;
  ttlAttribute?: string;
  streamViewType?: 'NEW_IMAGE';
}

/**
 * The ordering buffer (terraform/modules/ordering-buffer): the three root
 * variables (ordering_enabled, ordering_hold_seconds, ordering_late_events)
 * and the module's own defaults, read from the same files Terraform reads.
 */
export interface OrderingSpec {
  enabled: boolean;
  holdSeconds: number;
  lateEvents: 'mark' | 'drop';
  bufferTable: TableSpec;
  releaseQueue: { name: string; dlqName: string; visibilityTimeoutSeconds: number; maxReceiveCount: number };
  feedQueue: { name: string; dlqName: string; visibilityTimeoutSeconds: number; maxReceiveCount: number; retentionSeconds: number };
  releaseFunction: { name: string; timeoutSeconds: number; maxConcurrency: number };
}

export interface StackSpec {
  defaults: SharedDefaults;
  busName: string;
  rules: RuleSpec[];
  bufferQueue: { name: string; visibilityTimeoutSeconds: number; maxReceiveCount: number; dlqName: string };
  targetDlqName: string;
  dlqRetentionSeconds: number;
  /** EventBridge archive of every event on the bus (Terraform: modules/event-ingest). */
  archive: { name: string; retentionDays: number };
  projectionTable: TableSpec;
  idempotencyTable: TableSpec;
  ordering: OrderingSpec;
}

/** The `default` of each variable block of a .tf file, by variable name (absent: no default). */
export async function readVariableDefaults(file: string): Promise<(name: string) => unknown> {
  const hcl = (await parse(basename(file), await readFile(file, 'utf8'))) as {
    variable?: Record<string, Array<{ default?: unknown }>>;
  };
  const variables = hcl.variable ?? {};
  return (name) => variables[name]?.[0]?.default;
}

export async function readSharedDefaults(file = join(TERRAFORM_DIR, 'variables.tf')): Promise<SharedDefaults> {
  const valueOf = await readVariableDefaults(file);
  const namePrefix = valueOf('name_prefix');
  if (typeof namePrefix !== 'string') {
    throw new Error(`${file}: variable "name_prefix" needs a string default; the local stack names its resources from it.`);
  }
  const defaults: Record<string, unknown> = { name_prefix: namePrefix };
  for (const name of SHARED_NUMBERS) {
    const value = valueOf(name);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${file}: variable "${name}" needs a numeric default; the local stack reads it.`);
    }
    defaults[name] = value;
  }
  const idempotency = valueOf('consumer_idempotency_enabled');
  if (typeof idempotency !== 'boolean') {
    throw new Error(`${file}: variable "consumer_idempotency_enabled" needs a true/false default; the local stack reads it.`);
  }
  defaults.consumer_idempotency_enabled = idempotency;
  return defaults as unknown as SharedDefaults;
}

export async function readEventPatterns(dir = EVENT_PATTERN_DIR): Promise<RuleSpec[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      family: basename(file, '.json'),
      pattern: JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>,
    })),
  );
}

/** Visibility timeout of a queue feeding a Lambda: AWS recommends at least 6x the function timeout. */
export const visibilityForTimeout = (timeoutSeconds: number): number => timeoutSeconds * 6;

export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

export const ORDERING_MODULE_DIR = join(TERRAFORM_DIR, 'modules', 'ordering-buffer');

export async function readOrderingSpec(namePrefix: string, rootVariables = join(TERRAFORM_DIR, 'variables.tf')): Promise<OrderingSpec> {
  const root = await readVariableDefaults(rootVariables);
  const module = await readVariableDefaults(join(ORDERING_MODULE_DIR, 'variables.tf'));
  const number = (valueOf: (name: string) => unknown, name: string, file: string): number => {
    const value = valueOf(name);
    if (typeof value !== 'number') throw new Error(`${file}: variable "${name}" needs a numeric default; the local stack reads it.`);
    return value;
  };
  const enabled = root('ordering_enabled');
  const lateEvents = root('ordering_late_events');
  if (typeof enabled !== 'boolean') throw new Error(`${rootVariables}: variable "ordering_enabled" needs a bool default.`);
  if (lateEvents !== 'mark' && lateEvents !== 'drop') throw new Error(`${rootVariables}: variable "ordering_late_events" needs the default "mark" or "drop".`);
  const moduleFile = join(ORDERING_MODULE_DIR, 'variables.tf');
  const timeoutSeconds = number(module, 'release_timeout_seconds', moduleFile);
  const p = namePrefix;
  return {
    enabled,
    holdSeconds: number(root, 'ordering_hold_seconds', rootVariables),
    lateEvents,
    bufferTable: { name: `${p}-ordering-buffer`, hashKey: 'entity', rangeKey: 'orderKey', ttlAttribute: 'expiresAt' },
    releaseQueue: {
      name: `${p}-ordering-release.fifo`,
      dlqName: `${p}-ordering-release-dlq.fifo`,
      visibilityTimeoutSeconds: visibilityForTimeout(timeoutSeconds),
      maxReceiveCount: number(module, 'release_max_receive_count', moduleFile),
    },
    feedQueue: {
      name: `${p}-ordered-feed.fifo`,
      dlqName: `${p}-ordered-feed-dlq.fifo`,
      visibilityTimeoutSeconds: number(module, 'feed_visibility_timeout_seconds', moduleFile),
      maxReceiveCount: number(module, 'feed_max_receive_count', moduleFile),
      retentionSeconds: number(module, 'feed_message_retention_seconds', moduleFile),
    },
    releaseFunction: { name: `${p}-ordering-release`, timeoutSeconds, maxConcurrency: number(module, 'release_max_concurrency', moduleFile) },
  };
}

export async function loadStackSpec(): Promise<StackSpec> {
  const defaults = await readSharedDefaults();
  const p = defaults.name_prefix;
  return {
    defaults,
    // Locally the bus has no '/' in its name (moto breaks on it); on AWS the bus
    // is named after the partner event source.
    busName: `${p}-bus`,
    rules: await readEventPatterns(),
    bufferQueue: {
      name: `${p}-buffer`,
      visibilityTimeoutSeconds: visibilityForTimeout(defaults.consumer_timeout_seconds),
      maxReceiveCount: defaults.buffer_max_receive_count,
      dlqName: `${p}-buffer-dlq`,
    },
    targetDlqName: `${p}-target-dlq`,
    dlqRetentionSeconds: DLQ_RETENTION_SECONDS,
    archive: { name: `${p}-archive`, retentionDays: defaults.event_archive_retention_days },
    projectionTable: { name: `${p}-projection`, hashKey: 'entity', rangeKey: 'aspect', streamViewType: 'NEW_IMAGE' },
    idempotencyTable: { name: `${p}-idempotency`, hashKey: 'id', ttlAttribute: 'expiration' },
    ordering: await readOrderingSpec(p),
  };
}
