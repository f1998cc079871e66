import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, dynamoDbClient, sqsClient } from '../../shared/aws/clients';
import { readConsumerConfig } from '../../shared/consumer/config';
import { createEventConsumer } from '../../shared/consumer/event-consumer';
import { createOrderingHook } from '../../shared/ordering/buffer';
import { readOrderingBufferSettings } from '../../shared/ordering/config';

const logger = new Logger({ serviceName: 'event-consumer' });
// The projection and idempotency client caches its middleware per command;
// the ordering buffer's document client cannot, so it gets its own.
const dynamoDb = dynamoDbClient({ cacheMiddleware: true });
const sqs = sqsClient();
const ordering = readOrderingBufferSettings();

export const handler = createEventConsumer({
  config: readConsumerConfig(),
  logger,
  dynamoDb,
  sqs,
  ...(ordering ? { ordering: createOrderingHook(ordering, documentClient(dynamoDbClient()), sqs) } : {}),
});
