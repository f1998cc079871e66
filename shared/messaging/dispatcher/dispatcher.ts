// The dispatcher's data flow, per record of the outbound FIFO batch (group =
// the end user, so an agent's replies reach the customer in the order typed):
//   parse the Genesys outbound webhook →
//     Receipt: recorded (logged), nothing sent;  unknown type: acknowledged, logged;
//     Event (typing): forwarded where the platform has it, best effort;
//     Text: once per Genesys message id (Powertools idempotency: Genesys
//       retries a webhook for ~85 s) → attachments re-hosted in S3 → platform
//       slots (per platform, Telegram per chat) → the platform's send API →
//       a Delivered / Failed receipt to Genesys, once (idempotent too), through
//       the forwarder's token, Genesys rate-limit bucket and breaker settings.
//
// Holding: a platform 429 / retry_after / Viber status 12 / WhatsApp 130429
// pauses the platform's bucket for every instance and holds the record by
// visibility for the time the platform named (never a sleep); 5xx and no
// answer back off with full jitter. On the last receive (maxReceiveCount) a
// message that still cannot be delivered gets its Failed receipt and is
// dead-lettered by the dispatcher (reason platform-retries-exhausted), so
// the agent sees it; a permanent refusal (blocked, unknown user, media the
// platform will not take) gets its Failed receipt and is done.
import { randomUUID } from 'node:crypto';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '../../consumer/dead-letter';
import { createStoreBreaker, isBrokenCircuit, type StoreBreaker } from '../../resilience/circuit-breaker';
import { PermanentEventError, isPermanentEventError, type PermanentReason } from '../../resilience/errors';
import { retryHint, type RetryHint } from '../../resilience/retry-hint';
import type { PlatformCredentials } from '../contract';
import { isGenesysOutage } from '../genesys/answer';
import { GenesysOpenMessagingClient, RateLimitedLocallyError } from '../genesys/client';
import type { SharedToken } from '../genesys/token';
import { parseOutboundMessage, type OutboundMessage } from '../outbound/genesys-outbound';
import type { OutboundPart, ReceiptReasonCode, SendContext, SendOutcome } from '../outbound/send-types';
import { SENDERS, exchange } from '../outbound/senders';
import { holdFailedFifoRecords, rememberingGroupHold } from '../fifo-hold';
import type { RateLimiter } from '../rate-limit';
import type { DispatcherConfig } from './config';
import { rehostAttachments } from './outbound-attachments';
import { PartLedger } from './part-ledger';
import type { PlatformLimiter } from './platform-limiter';
import { receiptBody } from './receipt';
import { emptyDispatcherTally, type DispatcherTally } from './tally';
import { DeadlineError } from '../../resilience/deadline';

export interface DispatcherDeps {
  config: DispatcherConfig;
  logger: Logger;
  dynamoDb: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
  token: SharedToken;
  /** The forwarder's Genesys bucket (`genesys:<integration>`): receipts count against the same per-token limit. */
  genesysLimiter: RateLimiter;
  platformLimiter: PlatformLimiter;
  platformCredentials: () => Promise<PlatformCredentials>;
  fetch?: typeof fetch;
}

/** The platform asked for a later try (429, 5xx, no answer); shaped like a fetch failure so the retry hint reads it. */
export class PlatformRetryError extends Error {
  override readonly name = 'PlatformRetryError';
  readonly response: { status: number | undefined; headers: Record<string, string | undefined> };
  readonly code: ReceiptReasonCode;
  constructor(outcome: Extract<SendOutcome, { kind: 'retry' }>) {
    super(outcome.message);
    this.code = outcome.code;
    // A throttle inside HTTP 200 (Viber status 12) or 400 (WhatsApp 130429) is held like a 429.
    const status = outcome.rateLimited ? 429 : outcome.status;
    this.response = { status, headers: outcome.retryAfterSeconds !== undefined ? { 'retry-after': String(outcome.retryAfterSeconds) } : {} };
  }
}

type TextMessage = Extract<OutboundMessage, { kind: 'text' }>;
type SendResult = { attempt: string; status: 'Delivered'; platformMessageIds: string[] } | { attempt: string; status: 'Failed'; code: ReceiptReasonCode; message: string };
type Receipt = { status: 'Delivered' } | { status: 'Failed'; code: ReceiptReasonCode; message: string };

/** What a permanent error of the message itself tells the agent. */
const RECEIPT_CODE_FOR: Partial<Record<PermanentReason, ReceiptReasonCode>> = {
  'attachment-too-large': 'InvalidMediaContentLength',
  'attachment-unavailable': 'MediaTypeNotAllowed',
};

/** Keeps this much of the invocation for reporting: a record that cannot finish in time is held instead of started. */
const REPORTING_RESERVE_MS = 3_000;


interface BatchState {
  tally: DispatcherTally;
  holds: Map<string, RetryHint>;
  groupHolds: Map<string, RetryHint>;
  lockSeconds: number;
}

export function createDispatcher(deps: DispatcherDeps) {
  const { config, logger, sqs } = deps;
  const processor = new SqsFifoPartialProcessorAsync();
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: config.stateTable, awsSdkV3Client: deps.dynamoDb });
  const sendIdempotency = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: config.idempotencyTtlSeconds });
  const receiptIdempotency = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: config.idempotencyTtlSeconds });
  const ledger = new PartLedger(deps.documentClient, config.stateTable);
  const genesys = new GenesysOpenMessagingClient({
    apiUrl: config.genesysApiUrl,
    integrationId: config.integrationId,
    token: deps.token,
    limiter: deps.genesysLimiter,
    timeoutMs: config.genesysTimeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const breaker: StoreBreaker = createStoreBreaker(config.breaker, isGenesysOutage, (state) =>
    logger.warn('Genesys circuit breaker changed state', { state, transitions: breaker.transitions }),
  );
  const counters = { platformRateLimited: 0 };

  async function sendContext(message: OutboundMessage): Promise<SendContext> {
    return {
      genesysMessageId: message.id,
      userId: message.recipient.userId,
      apiUrl: config.platformApis[message.recipient.platform],
      credentials: await deps.platformCredentials(),
      viberSenderName: config.viberSenderName,
    };
  }

  async function exchangeWithSlot(message: OutboundMessage, request: Parameters<typeof exchange>[1]): Promise<SendOutcome> {
    const { platform, userId } = message.recipient;
    await deps.platformLimiter.slot(platform, userId);
    const outcome = await exchange(SENDERS[platform], request, { timeoutMs: config.platformTimeoutMs, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    if (outcome.kind === 'retry' && outcome.rateLimited) {
      counters.platformRateLimited += 1;
      await deps.platformLimiter.pause(platform, userId, Date.now() + (outcome.retryAfterSeconds ?? 1) * 1000);
    }
    return outcome;
  }

  const sendOnce = makeIdempotent(
    async (request: { key: string; attempt: string; message: TextMessage }): Promise<SendResult> => {
      const { message, attempt } = request;
      const { platform } = message.recipient;
      const hosted = await rehostAttachments(message.id, message.attachments, {
        s3: deps.s3,
        bucket: config.attachmentBucket,
        maxBytes: config.maxAttachmentBytes,
        urlTtlSeconds: config.attachmentUrlTtlSeconds,
        timeoutMs: config.platformTimeoutMs,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      const parts: OutboundPart[] = [...(message.text !== undefined ? [{ kind: 'text' as const, text: message.text }] : []), ...hosted.map((attachment) => ({ kind: 'media' as const, attachment }))];
      const requests = SENDERS[platform].requests(parts, await sendContext(message));
      const resumable = requests.length > 1 && platform !== 'line';
      const done = resumable ? await ledger.delivered(message.id) : new Set<number>();
      const platformMessageIds: string[] = [];
      for (const [index, request] of requests.entries()) {
        if (done.has(index)) continue;
        const outcome = await exchangeWithSlot(message, request);
        if (outcome.kind === 'failed') return { attempt, status: 'Failed', code: outcome.code, message: outcome.message };
        if (outcome.kind === 'retry') throw new PlatformRetryError(outcome);
        if (outcome.platformMessageId) platformMessageIds.push(outcome.platformMessageId);
        if (resumable) await ledger.markDelivered(message.id, index);
      }
      return { attempt, status: 'Delivered', platformMessageIds };
    },
    { persistenceStore, config: sendIdempotency },
  );

  const postReceiptOnce = makeIdempotent(
    async (request: { key: string; body: string }): Promise<{ posted: true }> => {
      await breaker.execute(() => genesys.sendReceipt(request.body));
      return { posted: true };
    },
    { persistenceStore, config: receiptIdempotency },
  );

  // Keyed by message and status: Genesys's retries and SQS's redeliveries post
  // a receipt once, but a message dead-lettered with its Failed receipt and
  // later redriven and delivered still tells the agent Delivered.
  const postReceipt = (message: OutboundMessage, receipt: Receipt) =>
    postReceiptOnce({ key: `receipt:${message.id}:${receipt.status}`, body: JSON.stringify(receiptBody(message, receipt)) });

  async function deadLetterWithReason(record: SQSRecord, error: PermanentEventError, batch: BatchState, correlation: Record<string, string>) {
    await deadLetter(sqs, config.outboundDlqUrl, record, error, config.functionName);
    batch.tally.deadLettered += 1;
    logger.warn('outbound message dead-lettered', { ...correlation, errorClass: error.reason, error: error.message });
  }

  async function sendTyping(message: Extract<OutboundMessage, { kind: 'typing' }>, batch: BatchState, correlation: Record<string, string>) {
    // Best effort: a typing indicator that comes late is wrong, so one try, no hold, no receipt.
    try {
      const request = SENDERS[message.recipient.platform].typing(await sendContext(message), message.durationMs);
      if (!request) {
        batch.tally.acknowledged += 1;
        return;
      }
      const outcome = await exchangeWithSlot(message, request);
      if (outcome.kind === 'delivered') batch.tally.typingForwarded += 1;
      else logger.debug('typing indicator not shown', { ...correlation, outcome: outcome.kind });
    } catch (error) {
      logger.debug('typing indicator not sent', { ...correlation, error: (error as Error).name });
    }
  }

  async function handleRecord(record: SQSRecord, batch: BatchState, context: Context): Promise<void> {
    let message: OutboundMessage;
    try {
      message = parseOutboundMessage(record.body);
    } catch (error) {
      if (!isPermanentEventError(error)) throw error;
      await deadLetterWithReason(record, error, batch, { messageId: record.messageId });
      return;
    }
    const correlation = {
      correlation_id: `${message.to.id}/${message.id}`,
      messageId: record.messageId,
      platform: message.recipient.platform,
      ...(message.conversationId ? { conversationId: message.conversationId } : {}),
    };
    switch (message.kind) {
      case 'receipt':
        batch.tally.acknowledged += 1;
        logger.info('Genesys receipt recorded', { ...correlation, status: message.status, reasonCodes: message.reasons.map((r) => r.code) });
        return;
      case 'unsupported':
        batch.tally.acknowledged += 1;
        logger.warn('outbound message type not sent to the platform', { ...correlation, type: message.type });
        return;
      case 'typing':
        return sendTyping(message, batch, correlation);
      case 'text':
        break;
    }

    if (context.getRemainingTimeInMillis() < config.platformTimeoutMs + config.genesysTimeoutMs + config.rateLimitMaxWaitMs + REPORTING_RESERVE_MS) {
      throw new DeadlineError('not enough invocation time left to dispatch another record');
    }
    const attempt = randomUUID();
    let result: SendResult;
    try {
      result = await sendOnce({ key: `outbound:${message.id}`, attempt, message });
    } catch (error) {
      if (isPermanentEventError(error)) {
        await postReceipt(message, { status: 'Failed', code: RECEIPT_CODE_FOR[error.reason] ?? 'GeneralError', message: error.message });
        batch.tally.receiptsPosted += 1;
        await deadLetterWithReason(record, error, batch, correlation);
        return;
      }
      const receive = Number(record.attributes.ApproximateReceiveCount) || 1;
      if (receive >= config.maxReceiveCount && !(error instanceof DeadlineError)) {
        const code: ReceiptReasonCode = error instanceof PlatformRetryError ? error.code : error instanceof RateLimitedLocallyError ? 'RateLimited' : 'GeneralError';
        const why = `not delivered after ${receive} attempts: ${(error as Error).message}`;
        await postReceipt(message, { status: 'Failed', code, message: why });
        batch.tally.receiptsPosted += 1;
        await deadLetterWithReason(record, new PermanentEventError('platform-retries-exhausted', why), batch, correlation);
        return;
      }
      throw hold(error, record, batch, correlation);
    }
    try {
      await postReceipt(message, result.status === 'Delivered' ? { status: 'Delivered' } : { status: 'Failed', code: result.code, message: result.message });
    } catch (error) {
      throw hold(error, record, batch, correlation);
    }
    if (result.attempt !== attempt) {
      batch.tally.duplicatesDropped += 1;
      logger.info('duplicate outbound message dropped (sent once before)', correlation);
      return;
    }
    batch.tally.receiptsPosted += 1;
    if (result.status === 'Delivered') {
      batch.tally.delivered += 1;
      logger.debug('outbound message delivered', { ...correlation, platformMessageIds: result.platformMessageIds });
    } else {
      batch.tally.failed += 1;
      logger.warn('platform refused the outbound message; Failed receipt posted', { ...correlation, reasonCode: result.code, reason: result.message });
    }
  }

  function hold(error: unknown, record: SQSRecord, batch: BatchState, correlation: Record<string, string>): unknown {
    const hint: RetryHint | undefined = retryHint(error, {
      attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
      policy: config.backoff,
      circuitOpen: isBrokenCircuit(error) || breaker.state === 'open',
      halfOpenAfterSeconds: breaker.halfOpenAfterSeconds,
      inProgressLockSeconds: batch.lockSeconds,
    });
    if (hint) batch.holds.set(record.messageId, hint);
    logger.debug('outbound message held', { ...correlation, hold: hint ?? 'backoff', error: (error as Error).name });
    return error;
  }

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    logger.addContext(context);
    sendIdempotency.registerLambdaContext(context);
    receiptIdempotency.registerLambdaContext(context);
    const batch: BatchState = { tally: emptyDispatcherTally(), holds: new Map(), groupHolds: new Map(), lockSeconds: Math.max(1, Math.ceil(context.getRemainingTimeInMillis() / 1000)) };
    const rateLimitedBefore = counters.platformRateLimited;
    const response = await processPartialResponse(
      event,
      rememberingGroupHold((record) => handleRecord(record, batch, context), batch),
      processor,
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
    batch.tally.platformRateLimited = counters.platformRateLimited - rateLimitedBefore;
    const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    batch.tally.held = failedIds.size;
    batch.tally.received = event.Records.length - failedIds.size;
    if (failedIds.size > 0) {
      const failed = event.Records.filter((r) => failedIds.has(r.messageId));
      await holdFailedFifoRecords(sqs, { failed, holds: batch.holds, groupHolds: batch.groupHolds, errors: processor.errors, queueUrl: config.outboundQueueUrl, backoff: config.backoff, logger, message: 'outbound messages held, will retry', breakerState: breaker.state });
    }
    logger.info('batch summary', { dispatcherTally: batch.tally, breaker: breaker.state });
    return response;
  };
}
