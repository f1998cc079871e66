import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, dynamoDbClient, sqsClient } from '../../shared/aws/clients';
import { readConsumerConfig } from '../../shared/consumer/config';
import { createEventConsumer } from '../../shared/consumer/event-consumer';

const logger = new Logger({ serviceName: 'event-consumer' });
const dynamoDb = dynamoDbClient();

export const handler = createEventConsumer({
  config: readConsumerConfig(),
  logger,
  dynamoDb,
  documentClient: documentClient(dynamoDb),
  sqs: sqsClient(),
});
