// AWS SDK clients shared by functions and scripts. Endpoints come from the
// standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables, so the
// same bundle talks to AWS in Lambda and to the local AWS in tests.
//
// Retry strategy, chosen on purpose: the SDK's "standard" mode with a small
// attempt budget (3, AWS_MAX_ATTEMPTS overrides). Inside a Lambda batch a long
// in-process retry loop only burns the function timeout while the record's
// lease runs out; a few quick retries absorb a blip (standard mode backs off
// with jitter, longer after a throttle, and its retry quota stops retry
// storms), and beyond that the record fails and SQS redelivers it after a
// visibility delay the consumer chooses (shared/resilience/retry-hint.ts).
// Not "adaptive": its client-side rate limiter would also wait inside the
// invocation, and its state lives in one short-lived Lambda environment, so it
// never learns the table's real capacity; the circuit breaker and the event
// source mapping's maximum concurrency bound the load instead.
//
// Timeouts, also on purpose: the SDK's default socket timeout is 300 s, longer
// than the consumer's whole invocation, so a store that accepts connections
// but never answers would time the batch out (every record failed, back only
// after the full visibility timeout). A single-item DynamoDB call answers in
// milliseconds; 3 s per attempt, 3 attempts, leaves a 30 s invocation time to
// fail its records, set their backoff and report them.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

export interface ClientOptions {
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Resolve each command class's middleware stack once instead of on every
   * send (the SDK's `cacheMiddleware`): about a fifth of the SDK's CPU per
   * call in the consumer's profile (`make bench`). Only for clients whose
   * middleware is complete before the first send and that send plain client
   * commands: lib-dynamodb's DynamoDBDocumentClient refuses it.
   */
  cacheMiddleware?: boolean;
}

const maxAttemptsFromEnv = (): number => {
  const raw = process.env.AWS_MAX_ATTEMPTS;
  const n = raw === undefined ? DEFAULT_MAX_ATTEMPTS : Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_MAX_ATTEMPTS;
};

const common = (o: ClientOptions = {}) => ({
  maxAttempts: o.maxAttempts ?? maxAttemptsFromEnv(),
  ...(o.cacheMiddleware ? { cacheMiddleware: true } : {}),
  retryMode: 'standard' as const,
  requestHandler: {
    connectionTimeout: o.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeout: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Without this the SDK only logs a warning when requestTimeout passes.
    throwOnRequestTimeout: true,
  },
});

/**
 * The SDK's logger middleware runs its sensitive-data filter over every input
 * and output (and every error, a refused condition included) for its default
 * no-op logger; nothing here sets an SDK logger, so the step is removed.
 */
function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export const dynamoDbClient = (options?: ClientOptions): DynamoDBClient => withoutSdkLogging(new DynamoDBClient(common(options)));

export const documentClient = (client: DynamoDBClient = dynamoDbClient()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** For the consumer's own calls (send to the DLQ, change visibility); a long-poll receiver needs requestTimeoutMs above its WaitTimeSeconds. */
export const sqsClient = (options?: ClientOptions): SQSClient => withoutSdkLogging(new SQSClient(common(options)));

/** Secrets are read once per cold start (and cached, shared/messaging/secrets.ts): the same short budget keeps a slow read from eating the request. */
export const secretsManagerClient = (options?: ClientOptions): SecretsManagerClient => new SecretsManagerClient(common(options));
