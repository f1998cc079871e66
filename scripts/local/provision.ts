// Creates the event path on the local AWS from the same sources as the
// Terraform (shared/config/stack-spec.ts): bus, one rule per pattern file with
// a DLQ'd, retry-bounded SQS target, the buffer queue with its redrive policy,
// and the two DynamoDB tables.
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CreateArchiveCommand, CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { loadStackSpec, visibilityForTimeout, type OrderingSpec, type SharedDefaults, type StackSpec, type TableSpec } from '../../shared/config/stack-spec';
import { holdSecondsFrom, lateEventPolicyFrom } from '../../shared/ordering/config';

function withDefaults(spec: StackSpec, overrides: Partial<SharedDefaults>): StackSpec {
  if (Object.keys(overrides).length === 0) return spec;
  const defaults = { ...spec.defaults, ...overrides };
  return {
    ...spec,
    defaults,
    bufferQueue: {
      ...spec.bufferQueue,
      visibilityTimeoutSeconds: visibilityForTimeout(defaults.consumer_timeout_seconds),
      maxReceiveCount: defaults.buffer_max_receive_count,
    },
  };
}

/**
 * The ordering buffer as this shell asks for it: ORDERING_ENABLED=1,
 * ORDERING_HOLD_SECONDS=n and ORDERING_LATE_EVENTS=mark|drop stand in for the
 * Terraform variables ordering_enabled, ordering_hold_seconds and
 * ordering_late_events (whose defaults apply when they are unset).
 */
export function orderingFromEnvironment(env: Record<string, string | undefined> = process.env): OrderingChoice {
  const enabled = env.ORDERING_ENABLED;
  if (enabled !== undefined && enabled !== '' && !['0', '1', 'true', 'false'].includes(enabled)) {
    throw new Error(`ORDERING_ENABLED=${enabled} is invalid: write ORDERING_ENABLED=1 to turn the ordering buffer on (0 or unset: off).`);
  }
  return {
    ...(enabled ? { enabled: enabled === '1' || enabled === 'true' } : {}),
    ...(env.ORDERING_HOLD_SECONDS ? { holdSeconds: holdSecondsFrom(env.ORDERING_HOLD_SECONDS) } : {}),
    ...(env.ORDERING_LATE_EVENTS ? { lateEvents: lateEventPolicyFrom(env.ORDERING_LATE_EVENTS) } : {}),
  };
}

/** The ordering buffer's resources on the local AWS, when it is on. */
export interface LocalOrdering {
  holdSeconds: number;
  lateEvents: 'mark' | 'drop';
  bufferTable: string;
  releaseQueueUrl: string;
  releaseQueueArn: string;
  releaseDlqUrl: string;
  feedQueueUrl: string;
  feedDlqUrl: string;
}

export interface LocalStack {
  spec: StackSpec;
  busName: string;
  busArn: string;
  /** EventBridge archive of the bus: every published event, for `archive replay`. */
  archiveName: string;
  archiveArn: string;
  ruleNames: string[];
  bufferQueueUrl: string;
  bufferQueueArn: string;
  bufferDlqUrl: string;
  bufferDlqArn: string;
  targetDlqUrl: string;
  projectionTable: string;
  idempotencyTable: string;
  ordering?: LocalOrdering;
}

/** EventBridge target retry policy used locally and as the Terraform default. */
export const RULE_TARGET_RETRY = { MaximumRetryAttempts: 30, MaximumEventAgeInSeconds: 4 * 3600 };

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { SqsManagedSseEnabled: 'true', ...attributes } }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function createTable(ddb: DynamoDBClient, table: TableSpec) {
  const keys: KeySchemaElement[] = [{ AttributeName: table.hashKey, KeyType: 'HASH' }];
  if (table.rangeKey) keys.push({ AttributeName: table.rangeKey, KeyType: 'RANGE' });
  await ddb.send(
    new CreateTableCommand({
      TableName: table.name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys,
      AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName!, AttributeType: 'S' })),
      SSESpecification: { Enabled: true },
      ...(table.streamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } } : {}),
    }),
  );
  if (table.ttlAttribute) {
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: table.name, TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttlAttribute } }),
    );
  }
}

/**
 * `overrides` replace Terraform defaults for one local stack only (the chaos
 * suite shortens the consumer timeout, and so the visibility timeout, to
 * restart a killed runner without waiting three minutes).
 */
export type OrderingChoice = Partial<Pick<OrderingSpec, 'enabled' | 'holdSeconds' | 'lateEvents'>>;

/** `ordering` replaces the ordering_* Terraform defaults (ORDERING_ENABLED=1 for `local up` and the demo, or a test's choice). */
export async function provisionLocalStack(overrides: Partial<SharedDefaults> = {}, ordering: OrderingChoice = {}): Promise<LocalStack> {
  const loaded = withDefaults(await loadStackSpec(), overrides);
  const spec: StackSpec = { ...loaded, ordering: { ...loaded.ordering, ...ordering } };
  const sqs = new SQSClient({});
  const ddb = new DynamoDBClient({});
  const events = new EventBridgeClient({});

  const bufferDlq = await createQueue(sqs, spec.bufferQueue.dlqName, { MessageRetentionPeriod: String(spec.dlqRetentionSeconds) });
  const targetDlq = await createQueue(sqs, spec.targetDlqName, { MessageRetentionPeriod: String(spec.dlqRetentionSeconds) });
  const buffer = await createQueue(sqs, spec.bufferQueue.name, {
    VisibilityTimeout: String(spec.bufferQueue.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: bufferDlq.arn, maxReceiveCount: spec.bufferQueue.maxReceiveCount }),
  });

  const { EventBusArn: busArn } = await events.send(new CreateEventBusCommand({ Name: spec.busName }));
  // Before the rules, as on AWS: everything published from now on is archived.
  const { ArchiveArn: archiveArn } = await events.send(
    new CreateArchiveCommand({ ArchiveName: spec.archive.name, EventSourceArn: busArn, RetentionDays: spec.archive.retentionDays }),
  );
  const ruleNames: string[] = [];
  const ruleArns: string[] = [];
  for (const rule of spec.rules) {
    const name = `${spec.defaults.name_prefix}-${rule.family}`;
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: name, EventBusName: spec.busName, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED' }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: spec.busName,
        Targets: [{ Id: 'buffer', Arn: buffer.arn, DeadLetterConfig: { Arn: targetDlq.arn }, RetryPolicy: RULE_TARGET_RETRY }],
      }),
    );
    ruleNames.push(name);
    ruleArns.push(RuleArn!);
  }
  // Only these rules may send to the buffer (moto stores the policy; AWS enforces it).
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: buffer.url,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AllowGenesysRules',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: buffer.arn,
              Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
            },
          ],
        }),
      },
    }),
  );

  await createTable(ddb, spec.projectionTable);
  await createTable(ddb, spec.idempotencyTable);
  const localOrdering = spec.ordering.enabled ? await provisionOrdering(sqs, ddb, spec.ordering, spec.dlqRetentionSeconds) : undefined;

  return {
    spec,
    busName: spec.busName,
    busArn: busArn!,
    archiveName: spec.archive.name,
    archiveArn: archiveArn!,
    ruleNames,
    bufferQueueUrl: buffer.url,
    bufferQueueArn: buffer.arn,
    bufferDlqUrl: bufferDlq.url,
    bufferDlqArn: bufferDlq.arn,
    targetDlqUrl: targetDlq.url,
    projectionTable: spec.projectionTable.name,
    idempotencyTable: spec.idempotencyTable.name,
    ...(localOrdering ? { ordering: localOrdering } : {}),
  };
}

/** FIFO queues as terraform/modules/ordering-buffer makes them (deduplication and throughput per group). */
const FIFO = { FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' };

async function provisionOrdering(sqs: SQSClient, ddb: DynamoDBClient, spec: OrderingSpec, dlqRetentionSeconds: number): Promise<LocalOrdering> {
  await createTable(ddb, spec.bufferTable);
  const releaseDlq = await createQueue(sqs, spec.releaseQueue.dlqName, { ...FIFO, MessageRetentionPeriod: String(dlqRetentionSeconds) });
  const release = await createQueue(sqs, spec.releaseQueue.name, {
    ...FIFO,
    // The hold window: a FIFO queue takes only a queue-level delay.
    DelaySeconds: String(spec.holdSeconds),
    VisibilityTimeout: String(spec.releaseQueue.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(dlqRetentionSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: releaseDlq.arn, maxReceiveCount: spec.releaseQueue.maxReceiveCount }),
  });
  const feedDlq = await createQueue(sqs, spec.feedQueue.dlqName, { ...FIFO, MessageRetentionPeriod: String(dlqRetentionSeconds) });
  const feed = await createQueue(sqs, spec.feedQueue.name, {
    ...FIFO,
    VisibilityTimeout: String(spec.feedQueue.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(spec.feedQueue.retentionSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: feedDlq.arn, maxReceiveCount: spec.feedQueue.maxReceiveCount }),
  });
  return {
    holdSeconds: spec.holdSeconds,
    lateEvents: spec.lateEvents,
    bufferTable: spec.bufferTable.name,
    releaseQueueUrl: release.url,
    releaseQueueArn: release.arn,
    releaseDlqUrl: releaseDlq.url,
    feedQueueUrl: feed.url,
    feedDlqUrl: feedDlq.url,
  };
}

/** What Terraform's ordering-buffer module sets as the release function's environment. */
export function releaseEnvironment(stack: LocalStack): Record<string, string> {
  const ordering = stack.ordering;
  if (!ordering) throw new Error('the ordering buffer is off in this local stack: start it with ORDERING_ENABLED=1.');
  return {
    POWERTOOLS_SERVICE_NAME: 'ordering-release',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ORDERING_BUFFER_TABLE: ordering.bufferTable,
    ORDERING_RELEASE_QUEUE_URL: ordering.releaseQueueUrl,
    ORDERING_FEED_QUEUE_URL: ordering.feedQueueUrl,
    ORDERING_HOLD_SECONDS: String(ordering.holdSeconds),
    ORDERING_LATE_EVENTS: ordering.lateEvents,
  };
}

/** What Terraform's consumer module sets as the function environment, for the local stack. */
export function consumerEnvironment(stack: LocalStack, overrides: Record<string, string> = {}): Record<string, string> {
  const d = stack.spec.defaults;
  return {
    POWERTOOLS_SERVICE_NAME: 'event-consumer',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    PROJECTION_TABLE: stack.projectionTable,
    IDEMPOTENCY_TABLE: stack.idempotencyTable,
    BUFFER_QUEUE_URL: stack.bufferQueueUrl,
    BUFFER_DLQ_URL: stack.bufferDlqUrl,
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
    BUFFER_MAX_RECEIVE_COUNT: String(d.buffer_max_receive_count),
    AWS_LAMBDA_FUNCTION_NAME: `${d.name_prefix}-consumer`,
    ...(stack.ordering
      ? { ORDERING_BUFFER_TABLE: stack.ordering.bufferTable, ORDERING_RELEASE_QUEUE_URL: stack.ordering.releaseQueueUrl, ORDERING_HOLD_SECONDS: String(stack.ordering.holdSeconds) }
      : {}),
    ...overrides,
  };
}
