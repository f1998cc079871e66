import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { documentClient, dynamoDbClient, secretsManagerClient, sqsClient } from '../../shared/aws/clients';
import type { PlatformCredentials } from '../../shared/messaging/contract';
import { readForwarderConfig } from '../../shared/messaging/forwarder/config';
import { createForwarder } from '../../shared/messaging/forwarder/forwarder';
import { SharedToken } from '../../shared/messaging/genesys/token';
import { SecretsTokenStore } from '../../shared/messaging/genesys/token-store';
import { DynamoRateLimiter, perMinuteSettings } from '../../shared/messaging/rate-limit';
import { readJsonSecret, stringFields } from '../../shared/messaging/secrets';

const config = readForwarderConfig();
const logger = new Logger({ serviceName: 'messaging-forwarder' });
const dynamoDb = dynamoDbClient();
const docs = documentClient(dynamoDb);
const secrets = secretsManagerClient();

const tokenStore = new SecretsTokenStore({
  secrets,
  tokenSecretArn: config.genesysTokenSecretArn,
  ...(config.genesysLoginUrl && config.genesysOAuthSecretArn ? { login: { loginUrl: config.genesysLoginUrl, oauthSecretArn: config.genesysOAuthSecretArn } } : {}),
  lease: { client: docs, table: config.stateTable, holder: `forwarder-${process.pid}-${Date.now()}` },
  onLogin: (reason) => logger.warn('Genesys token refreshed by the forwarder', { reason }),
});

export const handler = createForwarder({
  config,
  logger,
  dynamoDb,
  documentClient: docs,
  sqs: sqsClient(),
  // Attachment uploads stream up to 25 MB: the short per-request timeout of the shared clients would cut a part upload.
  s3: new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true', maxAttempts: 3 }),
  token: new SharedToken(tokenStore),
  limiter: new DynamoRateLimiter({
    client: docs,
    table: config.stateTable,
    bucket: `genesys:${config.integrationId}`,
    settings: perMinuteSettings(config.rateLimitPerMinute, config.rateLimitMaxWaitMs),
  }),
  // Rotated credentials reach warm instances within five minutes.
  platformCredentials: () =>
    readJsonSecret<PlatformCredentials>(config.platformCredentialsSecretArn, {
      client: secrets,
      maxAgeMs: 300_000,
      parse: stringFields(['lineChannelAccessToken', 'telegramBotToken', 'viberAuthToken', 'whatsappAccessToken', 'whatsappPhoneNumberId'] as const),
    }),
});
