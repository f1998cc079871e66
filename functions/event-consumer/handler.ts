import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, dynamoDbClient, sqsClient } from '../../shared/aws/clients';
import { readConsumerConfig } from '../../shared/consumer/config';
import { createEventConsumer } from '../../shared/consumer/event-consumer';
import { createOrderingHook } from '../../shared/ordering/buffer';
import { readOrderingBufferSettings } from '../../shared/ordering/config';

const logger = new Logger({ serviceName: 'event-consumer' });
const dynamoDb = dynamoDbClient();
const documents = documentClient(dynamoDb);
const sqs = sqsClient();
const ordering = readOrderingBufferSettings();

export const handler = createEventConsumer({
  config: readConsumerConfig(),
  logger,
  dynamoDb,
  documentClient: documents,
  sqs,
  ...(ordering ? { ordering: createOrderingHook(ordering, documents, sqs) } : {}),
});
