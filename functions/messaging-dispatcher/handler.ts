import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { documentClient, dynamoDbClient, secretsManagerClient, sqsClient } from '../../shared/aws/clients';
import { readDispatcherConfig } from '../../shared/messaging/dispatcher/config';
import { createDispatcher } from '../../shared/messaging/dispatcher/dispatcher';
import { PlatformLimiter } from '../../shared/messaging/dispatcher/platform-limiter';
import { genesysRateLimiter, platformCredentialsReader, sharedGenesysToken } from '../../shared/messaging/wiring';

const config = readDispatcherConfig();
const logger = new Logger({ serviceName: 'messaging-dispatcher' });
const dynamoDb = dynamoDbClient();
const docs = documentClient(dynamoDb);
const secrets = secretsManagerClient();

export const handler = createDispatcher({
  config,
  logger,
  dynamoDb,
  documentClient: docs,
  sqs: sqsClient(),
  // Attachment uploads stream up to 25 MB: the short per-request timeout of the shared clients would cut a part upload.
  s3: new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true', maxAttempts: 3 }),
  token: sharedGenesysToken(config, { secrets, docs, component: 'dispatcher', onLogin: (reason) => logger.warn('Genesys token refreshed by the dispatcher', { reason }) }),
  genesysLimiter: genesysRateLimiter(config, config.genesysRateLimitPerMinute, docs),
  platformLimiter: new PlatformLimiter({ client: docs, table: config.stateTable, rates: config.sendRates, telegramChatRate: config.telegramChatRate, maxWaitMs: config.rateLimitMaxWaitMs }),
  platformCredentials: platformCredentialsReader(config.platformCredentialsSecretArn, secrets),
});
