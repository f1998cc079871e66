// The messaging gateway's queues and webhook secret on the local AWS, named
// and configured as terraform/modules/messaging-gateway makes them: three FIFO
// work queues (inbound, outbound, maintenance), each with a FIFO DLQ and a
// redrive policy, explicit deduplication ids, high-throughput FIFO. Idempotent
// (CreateQueue with the same attributes returns the existing queue), so
// `local up` and the tests can call it on every run.
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateSecretCommand, PutSecretValueCommand, ResourceExistsException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../../shared/aws/clients';
import { TERRAFORM_DIR } from '../../shared/config/stack-spec';
import type { WebhookSecrets } from '../../shared/messaging/contract';

/** terraform/modules/messaging-gateway/variables.tf: the one source of the messaging settings the local stack reads. */
export const MESSAGING_VARIABLES_FILE = join(TERRAFORM_DIR, 'modules', 'messaging-gateway', 'variables.tf');

export const MESSAGING_QUEUES = ['inbound', 'outbound', 'maintenance'] as const;
export type MessagingQueue = (typeof MESSAGING_QUEUES)[number];

export interface FifoQueueRef {
  url: string;
  arn: string;
}

export type LocalMessagingQueues = Record<MessagingQueue, FifoQueueRef & { dlq: FifoQueueRef }>;

/** As the module's defaults: messaging_max_receive_count, forwarder timeout x 6. */
export const LOCAL_MESSAGING_QUEUE_SETTINGS = { maxReceiveCount: 5, visibilityTimeoutSeconds: 180 };

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
  const { maxReceiveCount, visibilityTimeoutSeconds } = { ...LOCAL_MESSAGING_QUEUE_SETTINGS, ...settings };
  const queues = {} as LocalMessagingQueues;
  for (const queue of MESSAGING_QUEUES) {
    const dlq = await createFifo(sqs, `${namePrefix}-${queue}-dlq.fifo`, { MessageRetentionPeriod: '1209600' });
    const work = await createFifo(sqs, `${namePrefix}-${queue}.fifo`, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
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
