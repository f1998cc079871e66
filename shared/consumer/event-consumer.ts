// The event consumer's data flow: parse → deduplicate → project → report.
// Powertools BatchProcessor turns per-record failures into the partial batch
// response; idempotency, keyed on the Genesys content digest (not the SQS
// messageId, which changes when EventBridge retries a delivery), guards the
// projection for the whole batch in a few calls (batch-idempotency.ts, in
// Powertools' record format); the conditional write itself makes stale events
// and replays no-ops. A circuit breaker around the store fails records at once
// while it is open, and each failed record is held invisible for as long as
// its failure calls for (shared/resilience/retry-hint.ts).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { TopicCatalogue } from '../genesys/catalogue';
import { builtInCatalogue, parseGenesysEvent, type GenesysEvent } from '../genesys/event';
import { projectEvent, type ProjectionOutcome } from '../projection/project-event';
import { createStoreBreaker, isBrokenCircuit, type StoreBreaker } from '../resilience/circuit-breaker';
import { beforeDeadline, isDeadlineError, reportingReserveMs } from '../resilience/deadline';
import { isPermanentEventError } from '../resilience/errors';
import { isIdempotencyInProgress, retryHint, type RetryHint, type RetryHintReason } from '../resilience/retry-hint';
import type { OrderingHook } from '../ordering/buffer';
import type { ConsumerConfig } from './config';
import { createBatchIdempotency } from './batch-idempotency';
import { deadLetter } from './dead-letter';
import { backoffFailedRecords, visibilityDelays } from './retry-visibility';
import { addTally, emptyTally, type BatchTally } from './tally';

export interface ConsumerDeps {
  config: ConsumerConfig;
  logger: Logger;
  /** Projection writes and idempotency records (plain commands only, so it may cache its middleware: shared/aws/clients.ts). */
  dynamoDb: DynamoDBClient;
  sqs: SQSClient;
  /** Defaults to a cockatiel breaker from config.breaker; `make bench` passes a pass-through one to measure the breaker's cost. */
  storeBreaker?: StoreBreaker;
  /** The ordering buffer (shared/ordering/buffer.ts), only when the feature is on; absent, the consumer makes no extra call. */
  ordering?: OrderingHook;
  /** Defaults to the catalogue bundled at build time, compiled here, at cold start: a wrong entry fails the init naming the file, entry and fix. */
  catalogue?: TopicCatalogue;
}

/** One invocation's state; nothing outlives the batch it belongs to. */
interface BatchState {
  tally: BatchTally;
  /** Failed records whose failure says how long to wait (Retry-After, throttling, open circuit, …). */
  holds: Map<string, RetryHint>;
  /** Entity of each handled record (projected, stale or duplicate), for the ordering buffer's release triggers. */
  handled: Map<string, string>;
  /** How long a claim locks its key: the invocation's remaining time, at most config.idempotencyInProgressSeconds. */
  lockMs: number;
  /** When the records still running are reported failed (the invocation keeps the rest to report). */
  deadlineAt: number;
  /** When the idempotency completions of the records done so far are written, so they make the deadline. */
  completionsBy: number;
}

export function createEventConsumer({ config, logger, dynamoDb, sqs, storeBreaker, ordering, catalogue = builtInCatalogue() }: ConsumerDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  const project = async (event: GenesysEvent): Promise<ProjectionOutcome> => {
    const outcome = await projectEvent(dynamoDb, config.projectionTable, event);
    // Inside the idempotent step, so each content enters the buffer once,
    // stale or not; a failure here retries the record (shared/ordering/buffer.ts).
    if (ordering) await ordering.buffer(event);
    return outcome;
  };
  // Pure projection (IDEMPOTENCY_ENABLED=false, config.ts): the conditional
  // write alone; a duplicate then reads as stale (and, with the ordering
  // buffer on, is buffered again: its write is keyed by the order key).
  const idempotency = config.idempotencyEnabled
    ? createBatchIdempotency(dynamoDb, { tableName: config.idempotencyTable, keyPrefix: config.functionName, expiresAfterSeconds: config.idempotencyTtlSeconds })
    : undefined;
  const projectOnce = async (event: GenesysEvent, batch: BatchState, messageId: string): Promise<ProjectionOutcome | 'duplicate'> => {
    if (!idempotency) return project(event);
    const claim = await idempotency.claim(event.idempotencyKey, { lockMs: batch.lockMs, owner: messageId, flushAt: batch.completionsBy });
    if (claim.duplicate) return 'duplicate';
    let outcome: ProjectionOutcome;
    try {
      outcome = await project(event);
    } catch (error) {
      claim.release();
      throw error;
    }
    await claim.complete(outcome);
    return outcome;
  };
  const breaker: StoreBreaker =
    storeBreaker ??
    createStoreBreaker(
      config.breaker,
      // Another invocation holding the idempotency record says nothing about the store's health.
      (error) => !isIdempotencyInProgress(error) && !isPermanentEventError(error),
      (state) => logger.warn('projection store circuit breaker changed state', { state, transitions: breaker.transitions }),
    );
  const backoffPolicy = { baseSeconds: config.retryBackoffBaseSeconds, capSeconds: config.retryBackoffCapSeconds };
  const limits = {
    maxEventBytes: config.maxEventBytes,
    maxFutureSkewMs: config.eventFutureSkewSeconds * 1000,
  };

  /** How long the failed record stays invisible, if its failure says (shared/resilience/retry-hint.ts); kept for the batch's visibility change. */
  function holdRecord(error: unknown, record: SQSRecord, batch: BatchState): RetryHint | undefined {
    const hint = retryHint(error, {
      attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
      policy: backoffPolicy,
      // A failure that (re)opened the circuit, e.g. a failed half-open
      // probe, waits like a refused record: a quick retry would only become
      // the next probe and burn its receive count.
      circuitOpen: isBrokenCircuit(error) || breaker.state === 'open',
      halfOpenAfterSeconds: breaker.halfOpenAfterSeconds,
      inProgressLockSeconds: config.idempotencyInProgressSeconds,
    });
    if (hint) batch.holds.set(record.messageId, hint);
    return hint;
  }

  /** `tally`: the record's own, added to the batch's only if the record is reported in time. */
  async function handleRecord(record: SQSRecord, batch: BatchState, tally: BatchTally): Promise<void> {
    let event: GenesysEvent;
    try {
      event = parseGenesysEvent(record.body, limits, catalogue);
    } catch (error) {
      if (!isPermanentEventError(error)) throw error;
      await deadLetter(sqs, config.bufferDlqUrl, record, error, config.functionName);
      tally.deadLettered[error.reason] = (tally.deadLettered[error.reason] ?? 0) + 1;
      logger.warn('record dead-lettered', { messageId: record.messageId, errorClass: error.reason, error: error.message });
      return;
    }
    // The detail-type chose the catalogue entry (it is what the rules routed by); a topicName that does not follow it is counted, not refused.
    if (event.topicMismatch) tally.topicMismatch += 1;
    let outcome: ProjectionOutcome | 'duplicate';
    try {
      // While the circuit is open this throws BrokenCircuitError at once: no
      // DynamoDB call, neither idempotency nor projection. Each record is one
      // execution of the breaker, as before idempotency became batch-wide: a
      // failed batch-wide call fails every record it covered, so the breaker
      // judges the same failure ratio per record.
      outcome = await breaker.execute(() => projectOnce(event, batch, record.messageId));
    } catch (error) {
      if (isBrokenCircuit(error)) tally.shortCircuited += 1;
      const hint = holdRecord(error, record, batch);
      // Per record at debug level (the batch line at warn aggregates): enough
      // to follow one message through its receives when an outage is replayed.
      logger.debug('record failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        hold: hint ?? 'backoff',
        breaker: breaker.state,
        error: error instanceof Error ? error.name : String(error),
      });
      throw error;
    }
    if (outcome === 'applied') tally.projected += 1;
    else if (outcome === 'stale') tally.stale += 1;
    else tally.duplicate += 1;
    batch.handled.set(record.messageId, event.entity);
    logger.debug('record handled', {
      outcome,
      messageId: record.messageId,
      correlation_id: event.correlationId,
      entity: event.entity,
      aspect: event.aspect,
      eventId: event.eventId,
    });
  }

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    logger.addContext(context);
    // A batch's records run together; the ones a slow store keeps past the
    // deadline are reported failed (back in 1 s, their claim taken over by
    // the retry) so the finished ones are deleted instead of the whole batch
    // timing out (shared/resilience/deadline.ts). Their completions are
    // written half a reserve before it, so the write itself makes it.
    const remainingMs = context.getRemainingTimeInMillis();
    const reserveMs = reportingReserveMs(remainingMs);
    const deadlineAt = Date.now() + remainingMs - reserveMs;
    const batch: BatchState = {
      tally: emptyTally(),
      holds: new Map(),
      handled: new Map(),
      lockMs: Math.min(remainingMs, config.idempotencyInProgressSeconds * 1000),
      deadlineAt,
      completionsBy: deadlineAt - reserveMs / 2,
    };
    const { tally } = batch;
    tally.received = event.Records.length;
    const openedBefore = breaker.transitions.open;
    const handleBeforeDeadline = async (record: SQSRecord): Promise<void> => {
      const own = emptyTally();
      try {
        await beforeDeadline(handleRecord(record, batch, own), batch.deadlineAt - Date.now(), `record ${record.messageId}`);
      } catch (error) {
        if (!isDeadlineError(error)) addTally(tally, own);
        else {
          tally.pastDeadline += 1;
          holdRecord(error, record, batch);
        }
        throw error;
      }
      addTally(tally, own);
    };
    const response = await processPartialResponse(event, handleBeforeDeadline, processor, {
      context,
      // All-failed batches still return a response, so their records get the
      // same backoff as partial failures.
      throwOnFullBatchFailure: false,
    });
    tally.circuitOpened = breaker.transitions.open - openedBefore;
    if (ordering && batch.handled.size > 0) {
      // One trigger per entity per batch, after the buffer writes. A duplicate
      // triggers too: its first copy may have been buffered by an attempt that
      // died before its trigger was sent.
      const untriggered = await ordering.trigger(batch.handled.values());
      for (const [messageId, entity] of batch.handled) {
        if (untriggered.has(entity)) response.batchItemFailures.push({ itemIdentifier: messageId });
      }
      if (untriggered.size > 0) logger.warn('release triggers not sent; their records will retry', { entities: untriggered.size });
    }
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
      const holds: Partial<Record<RetryHintReason | 'backoff', number>> = {};
      for (const record of failed) {
        const why = batch.holds.get(record.messageId)?.reason ?? 'backoff';
        holds[why] = (holds[why] ?? 0) + 1;
      }
      logger.warn('records failed, will retry', { failed: failedIds.size, breaker: breaker.state, holds, reasons: Object.fromEntries(reasons) });
      try {
        const hints = new Map([...batch.holds].map(([id, hint]) => [id, hint.seconds]));
        await backoffFailedRecords(sqs, config.bufferQueueUrl, visibilityDelays(failed, backoffPolicy, hints));
      } catch (error) {
        logger.warn('visibility backoff not applied; records return after the queue visibility timeout', { error: (error as Error).message });
      }
    }
    logger.info('batch summary', { tally, breaker: breaker.state });
    return response;
  };
}
