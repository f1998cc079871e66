// The release step for one entity: read the watermark and the buffered events
// (one consistent Query), plan (plan.ts), then per chunk: send to the ordered
// feed in order (SendMessageBatch, 10 a call, kept in order within the
// entity's group), advance the watermark with one conditional UpdateItem that
// also lists the chunk's order keys (`lastReleased`), and delete the chunk
// (BatchWriteItem).
//
// Crash safety, point by point:
// - crash while sending, or after sending and before the watermark update:
//   nothing in the buffer changed, so the retried run sends the same events
//   again in the same order; the feed's deduplication id (the content digest)
//   drops the copies SQS already has (within its 5-minute interval, which the
//   release queue's visibility timeout stays inside; beyond it the copy is a
//   duplicate with the same digest, never a reorder);
// - crash after the watermark update, before or during the deletes: the
//   events left behind are below the watermark but listed in lastReleased, so
//   the next run deletes them without sending (they are not late). Only one
//   chunk at a time can be in that state: the next chunk's update comes after
//   the deletes. Everything else below the watermark arrived after it moved,
//   which is what "late" means;
// - a concurrent run (a retried trigger while a timed-out one still runs)
//   fails the watermark condition, and its trigger is retried on fresh state.
// Why not one transaction (watermark + deletes): it would do the same at
// twice the write cost (transactional writes cost 2 WCU per item).
//
// SendMessageBatch reports each entry on its own. When an entry fails, the
// batch's later entries may already be on the feed, so the failed event can
// no longer take its place: sending stops there, the watermark moves to the
// highest key that was stored, and the failed event stays buffered below it,
// so the next run releases it marked late (or drops it, by policy). Never a
// silent reorder.
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sendReleaseTriggers, type BufferedEvent } from './buffer';
import type { ReleaseSettings } from './config';
import { feedSendInput, toFeedMessage } from './feed-message';
import { BUFFER_TTL_SECONDS, WATERMARK_SORT_KEY } from './keys';
import { planRelease, type ReleaseAction, type Watermark } from './plan';

/** Events read per run (a hot entity's backlog is worked off in several runs of this size). */
export const MAX_EVENTS_PER_RUN = 500;
/** Events per watermark update; their keys ride on the watermark item (about 60 bytes each). */
export const CHUNK = 50;
const SQS_MAX_BATCH = 10;
const DYNAMODB_MAX_BATCH_WRITE = 25;

export interface ReleaseReport {
  released: number;
  late: number;
  droppedLate: number;
  /** Buffered copies of content already released (a retried record wrote it again, or a run died before deleting). */
  droppedReleased: number;
  waiting: number;
  /** Releasable events not sent because the feed refused one before them (next run; marked late if overtaken). */
  unsent: number;
  /** A new trigger was sent because events are still in their hold (or the run stopped at its size limit). */
  rearmed: boolean;
  maxArrivalDisorderMs: number;
  /** Late events, for the log (never their data). */
  lateEvents: Array<{ orderKey: string; eventId: string; missedWatermark: string; dropped: boolean }>;
}

export interface ReleaseDeps {
  client: DynamoDBDocumentClient;
  sqs: SQSClient;
  settings: ReleaseSettings;
  now?: () => number;
  /** Test seam: called after each feed batch with the events SQS stored, so a test can crash the run at any point. */
  afterSend?: (events: BufferedEvent[]) => void | Promise<void>;
  /** Test seam: called after each watermark update, before the chunk's deletes. */
  afterWatermark?: (watermark: Watermark) => void | Promise<void>;
}

interface WatermarkItem {
  watermark?: string;
  watermarkArrivedAt?: number;
  lastReleased?: string[];
}

async function readEntity(client: DynamoDBDocumentClient, table: string, entity: string): Promise<{ watermark?: Watermark; events: BufferedEvent[]; more: boolean }> {
  const events: BufferedEvent[] = [];
  let watermark: Watermark | undefined;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#entity = :entity',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ':entity': entity },
        // A write acknowledged before the trigger was sent must be seen.
        ConsistentRead: true,
        Limit: MAX_EVENTS_PER_RUN + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.orderKey === WATERMARK_SORT_KEY) {
        const w = item as WatermarkItem;
        if (w.watermark) watermark = { orderKey: w.watermark, arrivedAt: w.watermarkArrivedAt ?? 0, lastReleased: w.lastReleased ?? [] };
      } else events.push(item as BufferedEvent);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && events.length < MAX_EVENTS_PER_RUN);
  return { ...(watermark ? { watermark } : {}), events: events.slice(0, MAX_EVENTS_PER_RUN), more: startKey !== undefined || events.length > MAX_EVENTS_PER_RUN };
}

async function advanceWatermark(client: DynamoDBDocumentClient, table: string, entity: string, before: Watermark | undefined, after: Watermark, released: string[], nowMs: number) {
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: { entity, orderKey: WATERMARK_SORT_KEY },
      UpdateExpression: 'SET #w = :w, #wa = :wa, #lr = :lr, #at = :at, #exp = :exp',
      ConditionExpression: before ? '#w = :before' : 'attribute_not_exists(#w)',
      ExpressionAttributeNames: { '#w': 'watermark', '#wa': 'watermarkArrivedAt', '#lr': 'lastReleased', '#at': 'advancedAt', '#exp': 'expiresAt' },
      ExpressionAttributeValues: {
        ':w': after.orderKey,
        ':wa': after.arrivedAt,
        ':lr': released,
        ':at': nowMs,
        ':exp': Math.floor(nowMs / 1000) + BUFFER_TTL_SECONDS,
        ...(before ? { ':before': before.orderKey } : {}),
      },
    }),
  );
}

async function deleteReleased(client: DynamoDBDocumentClient, table: string, entity: string, orderKeys: string[]) {
  for (let i = 0; i < orderKeys.length; i += DYNAMODB_MAX_BATCH_WRITE) {
    let pending: Record<string, unknown>[] = orderKeys.slice(i, i + DYNAMODB_MAX_BATCH_WRITE).map((orderKey) => ({ DeleteRequest: { Key: { entity, orderKey } } }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 5) throw new Error(`release of ${entity}: ${pending.length} released events not deleted after ${attempt - 1} attempts (DynamoDB left them unprocessed); the next run deletes them`);
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

async function sendToFeed(sqs: SQSClient, feedQueueUrl: string, sends: Array<Extract<ReleaseAction, { kind: 'send' }>>): Promise<Set<number>> {
  const result = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: feedQueueUrl,
      Entries: sends.map((a, n) => {
        const input = feedSendInput(feedQueueUrl, toFeedMessage(a.event, a.late ? a : undefined));
        return { Id: String(n), MessageBody: input.MessageBody!, MessageGroupId: input.MessageGroupId!, MessageDeduplicationId: input.MessageDeduplicationId!, MessageAttributes: input.MessageAttributes! };
      }),
    }),
  );
  const stored = new Set(sends.map((_, n) => n));
  for (const failure of result.Failed ?? []) stored.delete(Number(failure.Id));
  return stored;
}

export async function releaseEntity(deps: ReleaseDeps, entity: string): Promise<ReleaseReport> {
  const { client, sqs, settings } = deps;
  const now = deps.now ?? Date.now;
  const { watermark, events, more } = await readEntity(client, settings.bufferTable, entity);
  const plan = planRelease(watermark, events, now(), settings.holdSeconds, settings.lateEvents);
  const report: ReleaseReport = {
    released: 0,
    late: 0,
    droppedLate: 0,
    droppedReleased: 0,
    waiting: plan.waiting,
    unsent: 0,
    rearmed: false,
    maxArrivalDisorderMs: plan.arrivalDisorderMs.reduce((a, b) => Math.max(a, b), 0),
    lateEvents: [],
  };

  let committed = watermark;
  let sendFailed = false;
  for (let i = 0; i < plan.actions.length && !sendFailed; i += CHUNK) {
    const chunk = plan.actions.slice(i, i + CHUNK);
    // What this chunk commits: everything before the first event SQS did not store.
    const done: ReleaseAction[] = [];
    let next = committed;
    for (let j = 0; j < chunk.length && !sendFailed; j += SQS_MAX_BATCH) {
      const part = chunk.slice(j, j + SQS_MAX_BATCH);
      const sends = part.filter((a): a is Extract<ReleaseAction, { kind: 'send' }> => a.kind === 'send');
      const stored = sends.length > 0 ? await sendToFeed(sqs, settings.feedQueueUrl, sends) : new Set<number>();
      sendFailed = stored.size < sends.length;
      if (sends.length > 0) await deps.afterSend?.(sends.filter((_, n) => stored.has(n)).map((a) => a.event));
      let n = 0;
      for (const action of part) {
        if (action.kind === 'send' && !stored.has(n++)) continue;
        done.push(action);
        if (action.kind === 'send' && !action.late && (next === undefined || action.event.orderKey > next.orderKey)) {
          next = { orderKey: action.event.orderKey, arrivedAt: action.event.arrivedAt };
        }
      }
    }
    if (done.length === 0) break;
    if (!next) throw new Error(`release of ${entity}: nothing to set the watermark to`);
    const keys = done.map((a) => a.event.orderKey);
    // Also written for a chunk of late or already-released events only (same
    // watermark): it checks that no concurrent run moved it, and lists what is
    // about to be deleted.
    await advanceWatermark(client, settings.bufferTable, entity, committed, next, keys, now());
    committed = { ...next, lastReleased: keys };
    await deps.afterWatermark?.(committed);
    await deleteReleased(client, settings.bufferTable, entity, keys);
    for (const action of done) {
      if (action.kind === 'send' && !action.late) report.released += 1;
      else if (action.kind === 'send') {
        report.late += 1;
        report.lateEvents.push({ orderKey: action.event.orderKey, eventId: action.event.eventId, missedWatermark: action.missedWatermark, dropped: false });
      } else if (action.kind === 'drop-late') {
        report.droppedLate += 1;
        report.lateEvents.push({ orderKey: action.event.orderKey, eventId: action.event.eventId, missedWatermark: action.missedWatermark, dropped: true });
      } else report.droppedReleased += 1;
    }
  }
  report.unsent = plan.actions.length - (report.released + report.late + report.droppedLate + report.droppedReleased);

  if (plan.waiting > 0 || more || report.unsent > 0) {
    // Never lose a trigger: if this one cannot be sent the run fails and its
    // own trigger is retried.
    const failed = await sendReleaseTriggers(sqs, settings, [entity], now());
    if (failed.size > 0) throw new Error(`could not re-arm the release of ${entity}: the release queue did not take the trigger`);
    report.rearmed = true;
  }
  return report;
}
