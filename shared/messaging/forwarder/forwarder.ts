// The forwarder's data flow, per record of a FIFO batch:
//   parse → (inbound queue) divert if the conversation is diverted or the
//   breaker refuses → deduplicate (Powertools idempotency on the delivery
//   key) → attachments to S3 → rate-limit slot → POST to Genesys → report.
// The same code serves the maintenance queue in drain mode (the mode comes
// from the record's event source ARN: one function, two mappings), where a
// refusing breaker holds the record instead of diverting it, and each
// settled record releases its conversation's divert marker (diversion.ts).
//
// FIFO: SqsFifoPartialProcessorAsync with skipGroupOnError, so a failed
// record fails the rest of ITS conversation in the batch (order holds) while
// other conversations go on; failed records are held by visibility for as
// long as their failure calls for (Retry-After, backoff with full jitter,
// open circuit), and SQS keeps their group blocked meanwhile.
import { randomUUID } from 'node:crypto';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { BrokenCircuitError } from 'cockatiel';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '../../consumer/dead-letter';
import { createStoreBreaker, isBrokenCircuit, type StoreBreaker } from '../../resilience/circuit-breaker';
import { PermanentEventError, isPermanentEventError } from '../../resilience/errors';
import { retryHint, type RetryHint } from '../../resilience/retry-hint';
import { storeAttachments } from '../attachments';
import { conversationKey, inboundDeliveryKey, type InboundMessage, type PlatformCredentials } from '../contract';
import { isGenesysOutage } from '../genesys/answer';
import { GenesysOpenMessagingClient } from '../genesys/client';
import { serialiseOpenMessage, toOpenMessage } from '../genesys/open-message';
import type { SharedToken } from '../genesys/token';
import { holdFailedFifoRecords, rememberingGroupHold } from '../fifo-hold';
import type { RateLimiter } from '../rate-limit';
import type { ForwarderConfig } from './config';
import { ConversationDiversion, sendToMaintenance } from './diversion';
import { parseInboundMessage } from './inbound-message';
import { emptyForwarderTally, type ForwarderTally } from './tally';
import { DeadlineError } from '../../resilience/deadline';

export interface ForwarderDeps {
  config: ForwarderConfig;
  logger: Logger;
  dynamoDb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
  token: SharedToken;
  limiter: RateLimiter;
  platformCredentials: () => Promise<PlatformCredentials>;
  fetch?: typeof fetch;
}

export type ForwarderMode = 'inbound' | 'drain';

/** The queue name at the end of a queue URL or ARN. */
const queueName = (urlOrArn: string): string => urlOrArn.split(/[/:]/).pop() ?? urlOrArn;

/** Drain mode for records of the maintenance queue, inbound otherwise. */
export function modeOf(record: SQSRecord, config: Pick<ForwarderConfig, 'maintenanceQueueUrl'>): ForwarderMode {
  return queueName(record.eventSourceARN) === queueName(config.maintenanceQueueUrl) ? 'drain' : 'inbound';
}

interface ForwardRequest {
  deliveryKey: string;
  attempt: string;
  message: InboundMessage;
}
interface ForwardResult {
  attempt: string;
  genesysMessageId?: string;
}

interface BatchState {
  tally: ForwarderTally;
  holds: Map<string, RetryHint>;
  /** Hold of the record that failed first in each conversation: the rest of the group waits as long. */
  groupHolds: Map<string, RetryHint>;
  lockSeconds: number;
}

/** Keeps this much of the invocation for reporting: a record that cannot finish in time is held instead of started. */
const REPORTING_RESERVE_MS = 3_000;


export function createForwarder(deps: ForwarderDeps) {
  const { config, logger, sqs } = deps;
  const processor = new SqsFifoPartialProcessorAsync();
  const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'deliveryKey', expiresAfterSeconds: config.idempotencyTtlSeconds });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: config.stateTable, awsSdkV3Client: deps.dynamoDb });
  const diversion = new ConversationDiversion(deps.documentClient, config.stateTable);
  const genesys = new GenesysOpenMessagingClient({
    apiUrl: config.genesysApiUrl,
    integrationId: config.integrationId,
    token: deps.token,
    limiter: deps.limiter,
    timeoutMs: config.genesysTimeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const breaker: StoreBreaker = createStoreBreaker(config.breaker, isGenesysOutage, (state) =>
    logger.warn('Genesys circuit breaker changed state', { state, transitions: breaker.transitions }),
  );

  const forwardOnce = makeIdempotent(
    async (request: ForwardRequest): Promise<ForwardResult> => {
      const attachments = await storeAttachments(request.message, {
        s3: deps.s3,
        bucket: config.attachmentBucket,
        maxBytes: config.maxAttachmentBytes,
        urlTtlSeconds: config.attachmentUrlTtlSeconds,
        apis: config.platformApis,
        credentials: deps.platformCredentials,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      const body = serialiseOpenMessage(toOpenMessage(request.message, attachments));
      const accepted = await breaker.execute(() => genesys.sendInboundMessage(body));
      return { attempt: request.attempt, ...(accepted.genesysMessageId ? { genesysMessageId: accepted.genesysMessageId } : {}) };
    },
    { persistenceStore, config: idempotencyConfig },
  );

  async function deadLetterRecord(record: SQSRecord, error: PermanentEventError, batch: BatchState, correlation: Record<string, string>) {
    await deadLetter(sqs, config.inboundDlqUrl, record, error, config.functionName);
    batch.tally.deadLettered[error.reason] = (batch.tally.deadLettered[error.reason] ?? 0) + 1;
    logger.warn('message dead-lettered', { ...correlation, errorClass: error.reason, error: error.message });
  }

  async function divert(record: SQSRecord, message: InboundMessage, batch: BatchState, why: 'conversation-diverted' | 'circuit-open') {
    const conversation = conversationKey(message.platform, message.userId);
    await diversion.markPending(conversation, inboundDeliveryKey(message));
    await sendToMaintenance(sqs, config.maintenanceQueueUrl, record);
    batch.tally.divertedToMaintenance += 1;
    logger.debug('message diverted to the maintenance queue', { correlation_id: `${conversation}/${message.eventId}`, why });
  }

  async function handleRecord(record: SQSRecord, batch: BatchState, context: Context): Promise<void> {
    const mode = modeOf(record, config);
    let message: InboundMessage;
    try {
      message = parseInboundMessage(record.body);
    } catch (error) {
      if (!isPermanentEventError(error)) throw error;
      await deadLetterRecord(record, error, batch, { messageId: record.messageId });
      return;
    }
    const conversation = conversationKey(message.platform, message.userId);
    const deliveryKey = inboundDeliveryKey(message);
    const correlation = { correlation_id: `${conversation}/${message.eventId}`, messageId: record.messageId, mode };
    const settle = async () => {
      if (mode === 'drain' && (await diversion.settle(conversation, deliveryKey))) {
        logger.info('conversation back on the direct path', { correlation_id: correlation.correlation_id });
      }
    };

    if (mode === 'inbound') {
      if (await diversion.isDiverted(conversation)) return divert(record, message, batch, 'conversation-diverted');
      if (breaker.refusing()) return divert(record, message, batch, 'circuit-open');
    } else if (breaker.refusing()) {
      // Drain mode has nowhere to divert to: hold the record (and its conversation) until the probe is due.
      batch.tally.shortCircuited += 1;
      batch.holds.set(record.messageId, holdFor(new BrokenCircuitError(), record, batch.lockSeconds)!);
      throw new BrokenCircuitError();
    }
    if (context.getRemainingTimeInMillis() < config.genesysTimeoutMs + config.rateLimitMaxWaitMs + REPORTING_RESERVE_MS) {
      throw new DeadlineError('not enough invocation time left to forward another record');
    }

    const attempt = randomUUID();
    let result: ForwardResult;
    try {
      result = await forwardOnce({ deliveryKey, attempt, message });
    } catch (error) {
      if (isPermanentEventError(error)) {
        await deadLetterRecord(record, error, batch, correlation);
        await settle();
        return;
      }
      // The breaker opened while this record fetched its attachments: divert it like the ones after it.
      if (mode === 'inbound' && isBrokenCircuit(error)) return divert(record, message, batch, 'circuit-open');
      if (isBrokenCircuit(error)) batch.tally.shortCircuited += 1;
      const hint = holdFor(error, record, batch.lockSeconds);
      if (hint) batch.holds.set(record.messageId, hint);
      logger.debug('message held', { ...correlation, hold: hint ?? 'backoff', breaker: breaker.state, error: (error as Error).name });
      throw error;
    }
    if (result.attempt === attempt) {
      batch.tally.forwarded += 1;
      logger.debug('message forwarded', { ...correlation, genesysMessageId: result.genesysMessageId });
    } else {
      batch.tally.duplicatesDropped += 1;
      logger.info('duplicate delivery dropped', correlation);
    }
    await settle();
  }

  function holdFor(error: unknown, record: SQSRecord, lockSeconds: number): RetryHint | undefined {
    return retryHint(error, {
      attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
      policy: config.backoff,
      circuitOpen: isBrokenCircuit(error) || breaker.state === 'open',
      halfOpenAfterSeconds: breaker.halfOpenAfterSeconds,
            // Powertools locks a delivery in progress for the invocation's remaining time.
      inProgressLockSeconds: lockSeconds,
    });
  }

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    logger.addContext(context);
    idempotencyConfig.registerLambdaContext(context);
    const batch: BatchState = { tally: emptyForwarderTally(), holds: new Map(), groupHolds: new Map(), lockSeconds: Math.max(1, Math.ceil(context.getRemainingTimeInMillis() / 1000)) };
    const before = { ...genesys.stats, opened: breaker.transitions.open };
    const response = await processPartialResponse(
      event,
      rememberingGroupHold((record) => handleRecord(record, batch, context), batch),
      processor,
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
    batch.tally.rateLimited429 = genesys.stats.answered429 - before.answered429;
    batch.tally.unauthorizedRetries = genesys.stats.unauthorizedRetries - before.unauthorizedRetries;
    batch.tally.circuitOpened = breaker.transitions.open - before.opened;
    const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    batch.tally.held = failedIds.size;
    // Taken off the inbound queue for good: forwarded, duplicate, dead-lettered or diverted.
    batch.tally.received = event.Records.filter((r) => !failedIds.has(r.messageId) && modeOf(r, config) === 'inbound').length;
    if (failedIds.size > 0) {
      const failed = event.Records.filter((r) => failedIds.has(r.messageId));
      const queueUrl = modeOf(failed[0]!, config) === 'drain' ? config.maintenanceQueueUrl : config.inboundQueueUrl;
      await holdFailedFifoRecords(sqs, { failed, holds: batch.holds, groupHolds: batch.groupHolds, errors: processor.errors, queueUrl, backoff: config.backoff, logger, message: 'messages held, will retry', breakerState: breaker.state });
    }
    logger.info('batch summary', { forwarderTally: batch.tally, breaker: breaker.state });
    return response;
  };
}

