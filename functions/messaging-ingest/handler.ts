// Platform and Genesys webhooks → SQS FIFO. Behind an API Gateway HTTP API
// (payload v2) rather than a function URL: one route per platform, stage
// throttling that sheds a flood before it reaches (and is billed by) Lambda,
// access logs, a custom domain. The event shape is the same from a function
// URL, so this handler serves both.
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { secretsManagerClient, sqsClient } from '../../shared/aws/clients';
import type { WebhookSecrets } from '../../shared/messaging/contract';
import { WEBHOOK_SECRETS_MAX_AGE_MS, readIngestConfig } from '../../shared/messaging/ingest/config';
import { fromHttpApiEvent, toHttpApiResult } from '../../shared/messaging/ingest/http-api';
import { createIngest } from '../../shared/messaging/ingest/ingest';
import { readJsonSecret, stringFields } from '../../shared/messaging/secrets';

const WEBHOOK_SECRET_FIELDS = ['lineChannelSecret', 'telegramSecretToken', 'viberAuthToken', 'whatsappAppSecret', 'whatsappVerifyToken', 'genesysWebhookSecret'] as const satisfies ReadonlyArray<keyof WebhookSecrets>;

const logger = new Logger({ serviceName: 'messaging-ingest' });
const config = readIngestConfig();
// A webhook must be answered well inside Genesys's 10 s and the function's
// timeout (ingest_timeout_seconds, default 6): short timeouts everywhere, and
// the SQS retries are the ingest core's own (each batch up to 3 sends, a resend
// only while at least one more attempt fits in the invocation).
const SQS_REQUEST_TIMEOUT_MS = 2000;
const secretsClient = secretsManagerClient({ maxAttempts: 2, connectionTimeoutMs: 1000, requestTimeoutMs: 1500 });

const ingest = createIngest({
  sqs: sqsClient({ maxAttempts: 1, connectionTimeoutMs: 1000, requestTimeoutMs: SQS_REQUEST_TIMEOUT_MS }),
  inboundQueueUrl: config.inboundQueueUrl,
  outboundQueueUrl: config.outboundQueueUrl,
  maxWebhookBytes: config.maxWebhookBytes,
  secrets: () =>
    readJsonSecret<WebhookSecrets>(config.webhookSecretsArn, { maxAgeMs: WEBHOOK_SECRETS_MAX_AGE_MS, client: secretsClient, parse: stringFields(WEBHOOK_SECRET_FIELDS, { missingAs: '' }) }),
  logger,
  correlate: (id) => logger.setCorrelationId(id),
  enqueue: { minRemainingMsToRetry: SQS_REQUEST_TIMEOUT_MS + 500 },
});

export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  logger.setCorrelationId(event.requestContext.requestId);
  return toHttpApiResult(await ingest.handle(fromHttpApiEvent(event), () => context.getRemainingTimeInMillis()));
};
