import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, dynamoDbClient, secretsManagerClient, sqsClient } from '../../shared/aws/clients';
import { readForwarderConfig } from '../../shared/messaging/forwarder/config';
import { createForwarder } from '../../shared/messaging/forwarder/forwarder';
import { attachmentS3Client, genesysRateLimiter, platformCredentialsReader, sharedGenesysToken } from '../../shared/messaging/wiring';

const config = readForwarderConfig();
const logger = new Logger({ serviceName: 'messaging-forwarder' });
const dynamoDb = dynamoDbClient();
const docs = documentClient(dynamoDb);
const secrets = secretsManagerClient();

export const handler = createForwarder({
  config,
  logger,
  dynamoDb,
  documentClient: docs,
  sqs: sqsClient(),
  s3: attachmentS3Client(),
  token: sharedGenesysToken(config, { secrets, docs, component: 'forwarder', onLogin: (reason) => logger.warn('Genesys token refreshed by the forwarder', { reason }) }),
  limiter: genesysRateLimiter(config, config.rateLimitPerMinute, docs),
  platformCredentials: platformCredentialsReader(config.platformCredentialsSecretArn, secrets),
});
