// AWS SDK clients shared by functions and scripts. Endpoints come from the
// standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables, so the
// same bundle talks to AWS in Lambda and to the local AWS in tests.
//
// Retry strategy, chosen on purpose: the SDK's "standard" mode with a small
// attempt budget (default 3). Inside a Lambda batch a long in-process retry
// loop only burns the function timeout while the record's lease runs out;
// beyond a few quick retries it is better to fail the record and let SQS
// redeliver it after a jittered visibility backoff (shared/resilience/backoff).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const maxAttempts = (): number => {
  const raw = process.env.AWS_MAX_ATTEMPTS;
  const n = raw === undefined ? 3 : Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : 3;
};

const common = () => ({ maxAttempts: maxAttempts(), retryMode: 'standard' as const });

export const dynamoDbClient = (): DynamoDBClient => new DynamoDBClient(common());

export const documentClient = (client: DynamoDBClient = dynamoDbClient()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export const sqsClient = (): SQSClient => new SQSClient(common());
