// A local stand-in for Lambda's SQS event source mapping: pollers (at most
// MaximumConcurrency of them) gather up to BatchSize messages within the
// batching window, invoke the bundle with an SQSEvent shaped as AWS sends it,
// and apply ReportBatchItemFailures: delete the succeeded, leave the failed
// to come back after their visibility timeout. A thrown error, a timeout or an
// invalid response fails the whole batch, as on AWS.
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { lambdaContext, type BundleHandler } from './lambda-runtime';

export interface MappingSettings {
  batchSize: number;
  batchingWindowMs: number;
  maxConcurrency: number;
  functionTimeoutMs: number;
}

export interface MappingStats {
  invocations: number;
  recordsDelivered: number;
  recordsDeleted: number;
  recordsFailed: number;
  wholeBatchFailures: number;
  deleteFailures: number;
  /** Backpressure evidence: the most batches, and records, held at once (≤ maxConcurrency, ≤ maxConcurrency × batchSize). */
  peakBatchesInFlight: number;
  peakRecordsInFlight: number;
}

const SQS_MAX_RECEIVE = 10;
const EMPTY_POLL_PAUSE_MS = 200;

export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** The record ids to keep in the queue, or 'all' when the response is invalid (AWS then fails the whole batch). */
export function failedRecordIds(response: unknown, records: SQSRecord[]): Set<string> | 'all' {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return 'all';
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

export const emptyMappingStats = (): MappingStats => ({
  invocations: 0,
  recordsDelivered: 0,
  recordsDeleted: 0,
  recordsFailed: 0,
  wholeBatchFailures: 0,
  deleteFailures: 0,
  peakBatchesInFlight: 0,
  peakRecordsInFlight: 0,
});

export class LocalEventSourceMapping {
  readonly stats: MappingStats = emptyMappingStats();
  lastDeleteError: string | undefined;
  /** Why the last whole batch failed (thrown error, timeout or invalid response), for diagnostics. */
  lastBatchFailure: string | undefined;
  /** Request ids of invocations abandoned on timeout: their late logs do not count. */
  readonly timedOutRequests = new Set<string>();
  private running = false;
  private pollers: Promise<void>[] = [];
  private inFlightBatches = 0;
  private inFlightRecords = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queue: { url: string; arn: string },
    /**
     * Loads one execution environment (a fresh module instance of the bundle).
     * Each poller gets its own, as on Lambda, where an environment serves one
     * invocation at a time: module-scope singletons such as Powertools'
     * BatchProcessor are not safe to share between concurrent invocations.
     */
    private readonly loadEnvironment: () => Promise<BundleHandler<SQSEvent, SQSBatchResponse | void>>,
    private readonly settings: MappingSettings,
    private readonly lambda: { functionName: string; region: string; account: string },
    /** Told when an invocation ends: its records, those it failed ('all' for a whole-batch failure), and when (`make bench` measures lag from it). */
    private readonly onInvocationEnd?: (records: SQSRecord[], failed: Set<string> | 'all', endedAt: number) => void,
  ) {
    if (settings.batchSize < 1) throw new Error('batchSize must be at least 1');
    // FIFO queues (SQS itself keeps each message group in order and hands a
    // group to one receiver at a time until its in-flight messages are
    // deleted or visible again: moto does the same, sqs/models.py
    // receive_message "pending_message_groups"). Lambda takes at most 10
    // records per FIFO batch and refuses a batching window on them.
    if (queue.url.endsWith('.fifo')) {
      if (settings.batchSize > 10) throw new Error(`batchSize ${settings.batchSize}: Lambda takes at most 10 records per batch from a FIFO queue`);
      if (settings.batchingWindowMs > 0) throw new Error('a FIFO queue takes no batching window (Lambda refuses MaximumBatchingWindowInSeconds on FIFO event sources)');
    }
    if (settings.maxConcurrency < 1) throw new Error('maxConcurrency must be at least 1');
  }

  get inFlight(): number {
    return this.inFlightBatches;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const environments = [];
    for (let i = 0; i < this.settings.maxConcurrency; i++) environments.push(await this.loadEnvironment());
    this.running = true;
    this.pollers = environments.map((handler) => this.poll(handler));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.pollers);
  }

  /** Resolves once the queue has no visible, in-flight or delayed message and no batch is running, twice in a row. */
  async drained(options: { pollMs?: number; timeoutMs?: number; onTick?: (depth: QueueDepth) => void } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let quietChecks = 0;
    while (Date.now() < deadline) {
      const depth = await queueDepth(this.sqs, this.queue.url);
      options.onTick?.(depth);
      quietChecks = depth.visible + depth.inFlight + depth.delayed === 0 && this.inFlightBatches === 0 ? quietChecks + 1 : 0;
      if (quietChecks >= 2) return;
      await sleep(options.pollMs ?? 250);
    }
    throw new Error(`queue ${this.queue.url} did not drain within ${(options.timeoutMs ?? 600_000) / 1000}s`);
  }

  /** Deletes handled records, retrying what the service did not confirm, as the AWS poller does. */
  private async deleteBatch(records: SQSRecord[]): Promise<void> {
    let pending = records;
    for (let attempt = 1; attempt <= 5 && pending.length > 0; attempt++) {
      try {
        const result = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queue.url,
            Entries: pending.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
          }),
        );
        this.stats.recordsDeleted += result.Successful?.length ?? 0;
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        if (failed.size > 0) this.lastDeleteError = (result.Failed ?? [])[0]?.Message;
        pending = pending.filter((_, n) => failed.has(String(n)));
      } catch (error) {
        this.lastDeleteError = (error as Error).message;
      }
      if (pending.length > 0) await sleep(100 * attempt);
    }
    // Still not deleted: the records come back after the visibility timeout and
    // the consumer treats them as replays, as it would on AWS.
    this.stats.deleteFailures += pending.length;
  }

  private async gather(): Promise<Message[]> {
    const batch: Message[] = [];
    let windowEnds = Number.POSITIVE_INFINITY;
    while (this.running && batch.length < this.settings.batchSize) {
      let Messages: Message[] = [];
      try {
        ({ Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queue.url,
          MaxNumberOfMessages: Math.min(SQS_MAX_RECEIVE, this.settings.batchSize - batch.length),
          // Short polls: the local AWS serialises receives (see moto_server.py),
          // and a long poll would hold up every other call while it waits.
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      ));
      } catch (error) {
        // Messages already gathered are invoked rather than dropped (they would
        // otherwise stay invisible for the whole visibility timeout).
        if (batch.length > 0) break;
        throw error;
      }
      if (Messages.length > 0 && batch.length === 0) windowEnds = Date.now() + this.settings.batchingWindowMs;
      batch.push(...Messages);
      if (batch.length > 0 && (Messages.length === 0 || Date.now() >= windowEnds)) break;
      if (Messages.length === 0) await sleep(EMPTY_POLL_PAUSE_MS);
    }
    return batch;
  }

  private async poll(initial: BundleHandler<SQSEvent, SQSBatchResponse | void>): Promise<void> {
    let handler = initial;
    while (this.running) {
      let messages: Message[];
      try {
        messages = await this.gather();
      } catch {
        await sleep(500); // the local AWS may be paused in a fault test; poll again
        continue;
      }
      if (messages.length === 0) continue;
      this.inFlightBatches += 1;
      this.inFlightRecords += messages.length;
      this.stats.peakBatchesInFlight = Math.max(this.stats.peakBatchesInFlight, this.inFlightBatches);
      this.stats.peakRecordsInFlight = Math.max(this.stats.peakRecordsInFlight, this.inFlightRecords);
      try {
        const outcome = await this.invoke(handler, messages);
        // Lambda discards an environment whose invocation timed out. Here the
        // timed-out call cannot be killed, so it is abandoned with its module
        // instance and the next batch gets a fresh environment; sharing one
        // would let two invocations mix their batch state.
        if (outcome === 'timed-out') handler = await this.loadEnvironment();
      } finally {
        this.inFlightBatches -= 1;
        this.inFlightRecords -= messages.length;
      }
    }
  }

  private async invoke(handler: BundleHandler<SQSEvent, SQSBatchResponse | void>, messages: Message[]): Promise<'completed' | 'failed' | 'timed-out'> {
    const records = messages.map((m) => toSqsRecord(m, this.queue.arn, this.lambda.region));
    this.stats.invocations += 1;
    this.stats.recordsDelivered += records.length;
    const context = lambdaContext(this.lambda.functionName, this.settings.functionTimeoutMs, this.lambda.region, this.lambda.account);
    let failed: Set<string> | 'all';
    let timedOut = false;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          this.timedOutRequests.add(context.awsRequestId);
          reject(new Error(`Task timed out after ${this.settings.functionTimeoutMs / 1000}s`));
        }, this.settings.functionTimeoutMs);
      });
      const response = await Promise.race([handler({ Records: records }, context), timeout]).finally(() => clearTimeout(timer));
      failed = failedRecordIds(response, records);
      if (failed === 'all') this.lastBatchFailure = `invalid batch response: ${JSON.stringify(response).slice(0, 200)}`;
    } catch (error) {
      failed = 'all';
      this.lastBatchFailure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    this.onInvocationEnd?.(records, failed, Date.now());
    if (failed === 'all') {
      this.stats.wholeBatchFailures += 1;
      this.stats.recordsFailed += records.length;
      return timedOut ? 'timed-out' : 'failed';
    }
    const succeeded = records.filter((r) => !failed.has(r.messageId));
    this.stats.recordsFailed += failed.size;
    for (let i = 0; i < succeeded.length; i += SQS_MAX_RECEIVE) {
      await this.deleteBatch(succeeded.slice(i, i + SQS_MAX_RECEIVE));
    }
    return 'completed';
  }
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
