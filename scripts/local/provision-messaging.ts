// The messaging gateway's queues and webhook secret on the local AWS, named
// and configured as terraform/modules/messaging-gateway makes them: three FIFO
// work queues (inbound, outbound, maintenance), each with a FIFO DLQ and a
// redrive policy, explicit deduplication ids, high-throughput FIFO. Idempotent
// (CreateQueue with the same attributes returns the existing queue), so
// `local up` and the tests can call it on every run.
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketEncryptionCommand, PutBucketLifecycleConfigurationCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, ResourceExistsException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../../shared/aws/clients';
import { readVariableDefaults, TERRAFORM_DIR } from '../../shared/config/stack-spec';
import { SEND_RATE_ENV, TELEGRAM_CHAT_RATE_ENV } from '../../shared/messaging/dispatcher/config';
import { MESSAGING_ENV, type GenesysOAuthSecret, type PlatformCredentials, type WebhookSecrets } from '../../shared/messaging/contract';
import { LOCAL_ACCOUNT } from './aws-env';
import { LOCAL_WEBHOOK_SECRETS } from './messaging-secrets';

/** terraform/modules/messaging-gateway/variables.tf: the one source of the messaging settings the local stack reads. */
export const MESSAGING_VARIABLES_FILE = join(TERRAFORM_DIR, 'modules', 'messaging-gateway', 'variables.tf');

export const MESSAGING_QUEUES = ['inbound', 'outbound', 'maintenance'] as const;
export type MessagingQueue = (typeof MESSAGING_QUEUES)[number];

export interface FifoQueueRef {
  url: string;
  arn: string;
}

export type LocalMessagingQueues = Record<MessagingQueue, FifoQueueRef & { dlq: FifoQueueRef }>;

/**
 * As the module's defaults: messaging_max_receive_count, forwarder timeout x 6
 * (inbound, maintenance), dispatcher timeout x 6 (outbound; unset: the same).
 */
export const LOCAL_MESSAGING_QUEUE_SETTINGS: { maxReceiveCount: number; visibilityTimeoutSeconds: number; outboundVisibilityTimeoutSeconds?: number } = {
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: 180,
};

const FIFO_ATTRIBUTES = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'messageGroup',
  FifoThroughputLimit: 'perMessageGroupId',
  SqsManagedSseEnabled: 'true',
};

async function createFifo(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<FifoQueueRef> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { ...FIFO_ATTRIBUTES, ...attributes } }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

export async function provisionMessagingQueues(
  namePrefix: string,
  settings: Partial<typeof LOCAL_MESSAGING_QUEUE_SETTINGS> = {},
  sqs: SQSClient = new SQSClient({}),
): Promise<LocalMessagingQueues> {
  const { maxReceiveCount, visibilityTimeoutSeconds, outboundVisibilityTimeoutSeconds } = { ...LOCAL_MESSAGING_QUEUE_SETTINGS, ...settings };
  const queues = {} as LocalMessagingQueues;
  for (const queue of MESSAGING_QUEUES) {
    const dlq = await createFifo(sqs, `${namePrefix}-${queue}-dlq.fifo`, { MessageRetentionPeriod: '1209600' });
    const work = await createFifo(sqs, `${namePrefix}-${queue}.fifo`, {
      VisibilityTimeout: String(queue === 'outbound' ? (outboundVisibilityTimeoutSeconds ?? visibilityTimeoutSeconds) : visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
    });
    queues[queue] = { ...work, dlq };
  }
  return queues;
}

/** As the module names it. */
export const webhookSecretsName = (namePrefix: string): string => `${namePrefix}/webhook-secrets`;

/** Creates (or overwrites) the webhook secret; returns its ARN for WEBHOOK_SECRETS_ARN. */
export async function provisionWebhookSecrets(
  name: string,
  secrets: WebhookSecrets,
  client: SecretsManagerClient = secretsManagerClient(),
): Promise<string> {
  const SecretString = JSON.stringify(secrets);
  try {
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString }));
    return created.ARN!;
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    const updated = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
    return updated.ARN!;
  }
}

// --- The rest of the messaging stack: state table, attachment bucket, the
// Genesys and platform secrets; settings from the module's variables.tf -------

const MESSAGING_NUMBERS = [
  'forwarder_batch_size',
  'forwarder_timeout_seconds',
  'forwarder_maximum_concurrency',
  'dispatcher_batch_size',
  'dispatcher_timeout_seconds',
  'dispatcher_maximum_concurrency',
  'line_send_rate_per_second',
  'telegram_send_rate_per_second',
  'telegram_chat_send_rate_per_second',
  'viber_send_rate_per_second',
  'whatsapp_send_rate_per_second',
  'messaging_max_receive_count',
  'messaging_message_retention_seconds',
  'genesys_rate_limit_per_minute',
  'genesys_breaker_failure_threshold',
  'genesys_breaker_window_seconds',
  'genesys_breaker_half_open_after_seconds',
  'max_attachment_bytes',
  'attachment_retention_days',
  'attachment_url_ttl_seconds',
  'max_webhook_bytes',
  'token_refresh_rate_minutes',
] as const;

export type MessagingDefaults = { name_prefix: string } & Record<(typeof MESSAGING_NUMBERS)[number], number>;

export async function readMessagingDefaults(file = MESSAGING_VARIABLES_FILE): Promise<MessagingDefaults> {
  const valueOf = await readVariableDefaults(file);
  const prefix = valueOf('name_prefix');
  if (typeof prefix !== 'string') throw new Error(`${file}: variable "name_prefix" needs a string default; the local messaging stack names its resources from it.`);
  const defaults: Record<string, unknown> = { name_prefix: prefix };
  for (const name of MESSAGING_NUMBERS) {
    const value = valueOf(name);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${file}: variable "${name}" needs a numeric default; the local messaging stack reads it.`);
    defaults[name] = value;
  }
  return defaults as MessagingDefaults;
}

/** Local Genesys OAuth client and integration: public, loopback-only values (the Genesys double is started with them). */
export const LOCAL_GENESYS_CLIENT: Readonly<GenesysOAuthSecret> = { clientId: 'local-genesys-client', clientSecret: 'local-genesys-client-secret' };
export const LOCAL_INTEGRATION_ID = '0c0ffee0-0000-4000-8000-00000000f0d0';
/** Local platform API credentials (the platform double checks them). */
export const LOCAL_PLATFORM_CREDENTIALS: Readonly<PlatformCredentials> = {
  lineChannelAccessToken: 'local-line-channel-access-token',
  telegramBotToken: '123456:local-telegram-bot-token',
  viberAuthToken: 'local-viber-auth-token',
  whatsappAccessToken: 'local-whatsapp-access-token',
  whatsappPhoneNumberId: '100000000000001',
};

export interface LocalMessagingStack {
  defaults: MessagingDefaults;
  queues: LocalMessagingQueues;
  stateTable: string;
  attachmentBucket: string;
  secrets: { webhook: string; genesysOAuth: string; genesysToken: string; platformCredentials: string };
  integrationId: string;
}

async function putSecret(client: SecretsManagerClient, name: string, value: unknown | undefined): Promise<string> {
  const SecretString = value === undefined ? undefined : JSON.stringify(value);
  try {
    return (await client.send(new CreateSecretCommand({ Name: name, ...(SecretString === undefined ? {} : { SecretString }) }))).ARN!;
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    if (SecretString === undefined) return (await client.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
    return (await client.send(new PutSecretValueCommand({ SecretId: name, SecretString }))).ARN!;
  }
}

/**
 * Everything the messaging functions need on the local AWS, as the module
 * makes it. `overrides` replace module defaults for one stack only (tests
 * shorten timeouts or lower maxReceiveCount).
 */
export async function provisionMessagingStack(
  options: {
    overrides?: Partial<MessagingDefaults>;
    webhookSecrets?: WebhookSecrets;
    genesysClient?: GenesysOAuthSecret;
    platformCredentials?: PlatformCredentials;
    integrationId?: string;
  } = {},
): Promise<LocalMessagingStack> {
  const defaults = { ...(await readMessagingDefaults()), ...options.overrides };
  const p = defaults.name_prefix;
  const queues = await provisionMessagingQueues(p, {
    maxReceiveCount: defaults.messaging_max_receive_count,
    visibilityTimeoutSeconds: defaults.forwarder_timeout_seconds * 6,
    outboundVisibilityTimeoutSeconds: defaults.dispatcher_timeout_seconds * 6,
  });

  const ddb = new DynamoDBClient({});
  const stateTable = `${p}-state`;
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: stateTable,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        SSESpecification: { Enabled: true },
      }),
    );
    await ddb.send(new UpdateTimeToLiveCommand({ TableName: stateTable, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' } }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }

  const s3 = new S3Client({ forcePathStyle: true });
  const attachmentBucket = `${p}-attachments-${LOCAL_ACCOUNT}`;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: attachmentBucket }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  }
  await s3.send(new PutPublicAccessBlockCommand({
    Bucket: attachmentBucket,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  }));
  await s3.send(new PutBucketEncryptionCommand({
    Bucket: attachmentBucket,
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
  }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({
    Bucket: attachmentBucket,
    LifecycleConfiguration: { Rules: [{ ID: 'expire-attachments', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: defaults.attachment_retention_days } }] },
  }));

  const secrets = secretsManagerClient();
  return {
    defaults,
    queues,
    stateTable,
    attachmentBucket,
    integrationId: options.integrationId ?? LOCAL_INTEGRATION_ID,
    secrets: {
      webhook: await provisionWebhookSecrets(webhookSecretsName(p), options.webhookSecrets ?? LOCAL_WEBHOOK_SECRETS, secrets),
      genesysOAuth: await putSecret(secrets, `${p}/genesys-oauth`, options.genesysClient ?? LOCAL_GENESYS_CLIENT),
      // Created without a value, as the module does: the first refresh writes it.
      genesysToken: await putSecret(secrets, `${p}/genesys-token`, undefined),
      platformCredentials: await putSecret(secrets, `${p}/platform-credentials`, options.platformCredentials ?? LOCAL_PLATFORM_CREDENTIALS),
    },
  };
}

/** What the module sets as the forwarder's environment, for the local runners. */
export function forwarderEnvironment(
  stack: LocalMessagingStack,
  urls: { genesysUrl: string; platformApis: { lineApiUrl: string; lineDataApiUrl: string; telegramApiUrl: string; viberApiUrl: string; whatsappApiUrl: string } },
  overrides: Record<string, string> = {},
): Record<string, string> {
  const d = stack.defaults;
  const E = MESSAGING_ENV;
  return {
    POWERTOOLS_SERVICE_NAME: 'messaging-forwarder',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    AWS_LAMBDA_FUNCTION_NAME: `${d.name_prefix}-forwarder`,
    S3_FORCE_PATH_STYLE: 'true',
    [E.inboundQueueUrl]: stack.queues.inbound.url,
    [E.maintenanceQueueUrl]: stack.queues.maintenance.url,
    [E.inboundDlqUrl]: stack.queues.inbound.dlq.url,
    [E.genesysTokenSecretArn]: stack.secrets.genesysToken,
    [E.genesysOAuthSecretArn]: stack.secrets.genesysOAuth,
    [E.platformCredentialsSecretArn]: stack.secrets.platformCredentials,
    [E.stateTable]: stack.stateTable,
    [E.attachmentBucket]: stack.attachmentBucket,
    [E.genesysApiUrl]: urls.genesysUrl,
    [E.genesysLoginUrl]: urls.genesysUrl,
    [E.genesysIntegrationId]: stack.integrationId,
    [E.rateLimitPerMinute]: String(d.genesys_rate_limit_per_minute),
    [E.rateLimitSharers]: String(2 * d.forwarder_maximum_concurrency + d.dispatcher_maximum_concurrency),
    [E.maxAttachmentBytes]: String(d.max_attachment_bytes),
    [E.attachmentUrlTtlSeconds]: String(d.attachment_url_ttl_seconds),
    [E.breakerFailureThreshold]: String(d.genesys_breaker_failure_threshold),
    [E.breakerWindowSeconds]: String(d.genesys_breaker_window_seconds),
    [E.breakerHalfOpenAfterSeconds]: String(d.genesys_breaker_half_open_after_seconds),
    [E.lineApiUrl]: urls.platformApis.lineApiUrl,
    [E.lineDataApiUrl]: urls.platformApis.lineDataApiUrl,
    [E.telegramApiUrl]: urls.platformApis.telegramApiUrl,
    [E.viberApiUrl]: urls.platformApis.viberApiUrl,
    [E.whatsappApiUrl]: urls.platformApis.whatsappApiUrl,
    ...overrides,
  };
}

/**
 * The dispatcher's environment (module: functions.tf): the forwarder's
 * Genesys side (same token secret, same rate-limit bucket, same breaker
 * settings) plus the outbound queue, its DLQ, the maxReceiveCount at which it
 * posts the Failed receipt and the module's send rates.
 */
export function dispatcherEnvironment(
  stack: LocalMessagingStack,
  urls: Parameters<typeof forwarderEnvironment>[1],
  overrides: Record<string, string> = {},
): Record<string, string> {
  const d = stack.defaults;
  const {
    [MESSAGING_ENV.inboundQueueUrl]: _inbound,
    [MESSAGING_ENV.maintenanceQueueUrl]: _maintenance,
    [MESSAGING_ENV.inboundDlqUrl]: _dlq,
    [MESSAGING_ENV.lineDataApiUrl]: _lineData,
    ...genesysSide
  } = forwarderEnvironment(stack, urls);
  return {
    ...genesysSide,
    POWERTOOLS_SERVICE_NAME: 'messaging-dispatcher',
    AWS_LAMBDA_FUNCTION_NAME: `${d.name_prefix}-dispatcher`,
    [MESSAGING_ENV.outboundQueueUrl]: stack.queues.outbound.url,
    [MESSAGING_ENV.outboundDlqUrl]: stack.queues.outbound.dlq.url,
    MAX_RECEIVE_COUNT: String(d.messaging_max_receive_count),
    [SEND_RATE_ENV.line]: String(d.line_send_rate_per_second),
    [SEND_RATE_ENV.telegram]: String(d.telegram_send_rate_per_second),
    [SEND_RATE_ENV.viber]: String(d.viber_send_rate_per_second),
    [SEND_RATE_ENV.whatsapp]: String(d.whatsapp_send_rate_per_second),
    [TELEGRAM_CHAT_RATE_ENV]: String(d.telegram_chat_send_rate_per_second),
    ...overrides,
  };
}

/** The ingest function's environment (module: functions.tf). */
export function ingestEnvironment(stack: LocalMessagingStack): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: 'messaging-ingest',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    [MESSAGING_ENV.inboundQueueUrl]: stack.queues.inbound.url,
    [MESSAGING_ENV.outboundQueueUrl]: stack.queues.outbound.url,
    [MESSAGING_ENV.webhookSecretsArn]: stack.secrets.webhook,
    [MESSAGING_ENV.maxWebhookBytes]: String(stack.defaults.max_webhook_bytes),
  };
}

/** The token refresher's environment (module: functions.tf). */
export function tokenRefresherEnvironment(stack: LocalMessagingStack, genesysUrl: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: 'messaging-token-refresher',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    [MESSAGING_ENV.genesysOAuthSecretArn]: stack.secrets.genesysOAuth,
    [MESSAGING_ENV.genesysTokenSecretArn]: stack.secrets.genesysToken,
    [MESSAGING_ENV.genesysLoginUrl]: genesysUrl,
    [MESSAGING_ENV.stateTable]: stack.stateTable,
  };
}
