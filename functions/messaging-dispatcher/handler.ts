import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, dynamoDbClient, secretsManagerClient, sqsClient } from '../../shared/aws/clients';
import { readDispatcherConfig } from '../../shared/messaging/dispatcher/config';
import { createDispatcher } from '../../shared/messaging/dispatcher/dispatcher';
import { PlatformLimiter } from '../../shared/messaging/dispatcher/platform-limiter';
import { attachmentS3Client, genesysRateLimiter, platformCredentialsReader, sharedGenesysToken } from '../../shared/messaging/wiring';

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
  s3: attachmentS3Client(),
  token: sharedGenesysToken(config, { secrets, docs, component: 'dispatcher', onLogin: (reason) => logger.warn('Genesys token refreshed by the dispatcher', { reason }) }),
  genesysLimiter: genesysRateLimiter(config, config.genesysRateLimitPerMinute, docs),
  platformLimiter: new PlatformLimiter({ client: docs, table: config.stateTable, rates: config.sendRates, telegramChatRate: config.telegramChatRate, maxWaitMs: config.rateLimitMaxWaitMs }),
  platformCredentials: platformCredentialsReader(config.platformCredentialsSecretArn, secrets),
});
