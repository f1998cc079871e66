import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { documentClient, dynamoDbClient, secretsManagerClient, sqsClient } from '../../shared/aws/clients';
import { readForwarderConfig } from '../../shared/messaging/forwarder/config';
import { createForwarder } from '../../shared/messaging/forwarder/forwarder';
import { genesysRateLimiter, platformCredentialsReader, sharedGenesysToken } from '../../shared/messaging/wiring';

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
  // Attachment uploads stream up to 25 MB: the short per-request timeout of the shared clients would cut a part upload.
  s3: new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true', maxAttempts: 3 }),
  token: sharedGenesysToken(config, { secrets, docs, component: 'forwarder', onLogin: (reason) => logger.warn('Genesys token refreshed by the forwarder', { reason }) }),
  limiter: genesysRateLimiter(config, config.rateLimitPerMinute, docs),
  platformCredentials: platformCredentialsReader(config.platformCredentialsSecretArn, secrets),
});
