// The event consumer's data flow: parse → deduplicate → project → report.
// Powertools BatchProcessor turns per-record failures into the partial batch
// response; Powertools idempotency, keyed on the Genesys content digest (not
// the SQS messageId, which changes when EventBridge retries a delivery),
// guards the projection; the conditional write itself makes stale events and
// replays no-ops.
import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseGenesysEvent, type GenesysEvent } from '../genesys/event';
import { projectEvent, type ProjectionOutcome } from '../projection/project-event';
import { openCircuitHoldSeconds, retryAfterFromError } from '../resilience/backoff';
import { createStoreBreaker, isBrokenCircuit } from '../resilience/circuit-breaker';
import { isPermanentEventError } from '../resilience/errors';
import type { ConsumerConfig } from './config';
import { deadLetter } from './dead-letter';
import { backoffFailedRecords, visibilityDelays } from './retry-visibility';
import { emptyTally, type BatchTally } from './tally';

export interface ConsumerDeps {
  config: ConsumerConfig;
  logger: Logger;
  dynamoDb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
}

/** Input of the idempotent step: the event plus a nonce that tells a fresh run from a replayed result. */
type ProjectionRequest = GenesysEvent & { attempt: string };
interface ProjectionResult {
  outcome: ProjectionOutcome;
  attempt: string;
}

export function createEventConsumer({ config, logger, dynamoDb, documentClient, sqs }: ConsumerDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'digest',
    expiresAfterSeconds: config.idempotencyTtlSeconds,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: config.idempotencyTable,
    awsSdkV3Client: dynamoDb,
  });
  const projectOnce = makeIdempotent(
    async (request: ProjectionRequest): Promise<ProjectionResult> => ({
      outcome: await projectEvent(documentClient, config.projectionTable, request),
      attempt: request.attempt,
    }),
    { persistenceStore, config: idempotencyConfig },
  );
  const breakerTransitions: Record<string, number> = {};
  const breaker = createStoreBreaker(
    config.breaker,
    // Another invocation holding the idempotency record says nothing about the store's health.
    (error) => error.name !== 'IdempotencyAlreadyInProgressError' && !isPermanentEventError(error),
    (state) => {
      breakerTransitions[state] = (breakerTransitions[state] ?? 0) + 1;
      logger.warn('projection store circuit breaker changed state', { state, transitions: breakerTransitions });
    },
  );
  const limits = {
    maxEventBytes: config.maxEventBytes,
    maxFutureSkewMs: config.eventFutureSkewSeconds * 1000,
  };

  async function handleRecord(record: SQSRecord, tally: BatchTally, retryHints: Map<string, number>): Promise<void> {
    let event: GenesysEvent;
    try {
      event = parseGenesysEvent(record.body, limits);
    } catch (error) {
      if (!isPermanentEventError(error)) throw error;
      await deadLetter(sqs, config.bufferDlqUrl, record, error, config.functionName);
      tally.deadLettered[error.reason] = (tally.deadLettered[error.reason] ?? 0) + 1;
      logger.warn('record dead-lettered', { messageId: record.messageId, errorClass: error.reason, error: error.message });
      return;
    }
    const attempt = randomUUID();
    let result: ProjectionResult;
    try {
      result = await breaker.execute(() => projectOnce({ ...event, attempt }));
    } catch (error) {
      // A failure that (re)opened the circuit, e.g. a failed half-open probe,
      // waits like a short-circuited record: a quick retry would only become
      // the next probe and burn its receive count.
      const circuitOpen = isBrokenCircuit(error) || breaker.state === 'open';
      if (isBrokenCircuit(error)) tally.shortCircuited += 1;
      if (circuitOpen) {
        const attemptNumber = Number(record.attributes.ApproximateReceiveCount) || 1;
        retryHints.set(record.messageId, openCircuitHoldSeconds(breaker.retryHintSeconds, attemptNumber, config.retryBackoffCapSeconds));
      } else if ((error as Error).name === 'IdempotencyAlreadyInProgressError') {
        // Another invocation holds this content's idempotency record. Usually
        // it finishes within a second; if it died (or could not clean up in an
        // outage) the record expires with its remaining time, at most one
        // function timeout. Growing x3 per receive (2, 6, 18 s, …) covers both
        // before maxReceiveCount.
        const attemptNumber = Number(record.attributes.ApproximateReceiveCount) || 1;
        retryHints.set(record.messageId, Math.min(inProgressHoldSeconds, openCircuitHoldSeconds(2, attemptNumber, inProgressHoldSeconds)));
      } else {
        const retryAfter = retryAfterFromError(error);
        if (retryAfter !== undefined) retryHints.set(record.messageId, retryAfter);
      }
      throw error;
    }
    const outcome = result.attempt === attempt ? result.outcome : 'duplicate';
    if (outcome === 'applied') tally.projected += 1;
    else if (outcome === 'stale') tally.stale += 1;
    else tally.duplicate += 1;
    logger.debug('record handled', {
      outcome,
      messageId: record.messageId,
      correlation_id: event.correlationId,
      entity: event.entity,
      aspect: event.aspect,
      eventId: event.eventId,
    });
  }

  let inProgressHoldSeconds = 30;

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    inProgressHoldSeconds = Math.max(1, Math.ceil(context.getRemainingTimeInMillis() / 1000));
    logger.addContext(context);
    idempotencyConfig.registerLambdaContext(context);
    const tally = emptyTally();
    tally.received = event.Records.length;
    const retryHints = new Map<string, number>();
    const response = await processPartialResponse(event, (record: SQSRecord) => handleRecord(record, tally, retryHints), processor, {
      context,
      // All-failed batches still return a response, so their records get the
      // same jittered backoff as partial failures.
      throwOnFullBatchFailure: false,
    });
    const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    tally.failed = failedIds.size;
    if (failedIds.size > 0) {
      const failed = event.Records.filter((r) => failedIds.has(r.messageId));
      // One line per batch, not per record: an open circuit fails every record the same way.
      const reasons = new Map<string, number>();
      for (const error of processor.errors) {
        const reason = error instanceof Error ? `${error.name}: ${error.message.slice(0, 160)}` : String(error);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      logger.warn('records failed, will retry', { failed: failedIds.size, breaker: breaker.state, reasons: Object.fromEntries(reasons) });
      try {
        const policy = { baseSeconds: config.retryBackoffBaseSeconds, capSeconds: config.retryBackoffCapSeconds };
        await backoffFailedRecords(sqs, config.bufferQueueUrl, visibilityDelays(failed, policy, retryHints));
      } catch (error) {
        logger.warn('visibility backoff not applied; records return after the queue visibility timeout', { error: (error as Error).message });
      }
    }
    logger.info('batch summary', { tally, breaker: breaker.state });
    return response;
  };
}
