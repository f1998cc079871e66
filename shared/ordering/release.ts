// The release step for one entity: read the watermark and the buffered events
// (one consistent Query), plan (plan.ts), then per chunk: send to the ordered
// feed in order, and in one transaction advance the watermark (conditional on
// the value read) and delete what was sent.
//
// Crash safety, point by point:
// - crash while sending, or after sending and before the transaction: nothing
//   in the buffer changed, so the retried run sends the same events again in
//   the same order; the feed's deduplication id (the content digest) drops the
//   copies SQS already has (within its 5-minute interval, which the release
//   queue's visibility timeout stays inside; beyond it the copy is a
//   duplicate with the same digest, never a reorder);
// - the transaction is all or nothing, so the buffer never holds an event that
//   is both released and below the watermark: everything below the watermark
//   that is still buffered arrived after it moved, which is what "late" means;
// - a concurrent run (a retried trigger while a timed-out one still runs)
//   fails the watermark condition, and its trigger is retried on fresh state.
//
// Each event is sent with its own SendMessage, in order: SendMessageBatch
// reports entries one by one, and a failed entry followed by a stored one
// would put the feed out of order.
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sendReleaseTriggers, type BufferedEvent } from './buffer';
import type { ReleaseSettings } from './config';
import { feedSendInput, toFeedMessage } from './feed-message';
import { BUFFER_TTL_SECONDS, WATERMARK_SORT_KEY } from './keys';
import { planRelease, type ReleaseAction, type Watermark } from './plan';

/** Events read per run (a hot entity's backlog is worked off in several runs of this size). */
export const MAX_EVENTS_PER_RUN = 500;
/** Actions per transaction: the watermark update plus at most this many deletes (DynamoDB allows 100 items). */
export const CHUNK = 25;

export interface ReleaseReport {
  released: number;
  late: number;
  droppedLate: number;
  /** Buffered copies of content already released (a retried record wrote it again). */
  droppedReleased: number;
  waiting: number;
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
  /** Test seam: called after each feed send, so a test can crash the run at any point. */
  afterSend?: (event: BufferedEvent, sent: number) => void | Promise<void>;
}

interface WatermarkItem {
  watermark?: string;
  watermarkArrivedAt?: number;
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
        if (w.watermark) watermark = { orderKey: w.watermark, arrivedAt: w.watermarkArrivedAt ?? 0 };
      } else events.push(item as BufferedEvent);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && events.length < MAX_EVENTS_PER_RUN);
  return { ...(watermark ? { watermark } : {}), events: events.slice(0, MAX_EVENTS_PER_RUN), more: startKey !== undefined || events.length > MAX_EVENTS_PER_RUN };
}

function watermarkUpdate(table: string, entity: string, before: Watermark | undefined, after: Watermark, nowMs: number) {
  return {
    Update: {
      TableName: table,
      Key: { entity, orderKey: WATERMARK_SORT_KEY },
      UpdateExpression: 'SET #w = :w, #wa = :wa, #at = :at, #exp = :exp',
      ConditionExpression: before ? '#w = :before' : 'attribute_not_exists(#w)',
      ExpressionAttributeNames: { '#w': 'watermark', '#wa': 'watermarkArrivedAt', '#at': 'advancedAt', '#exp': 'expiresAt' },
      ExpressionAttributeValues: {
        ':w': after.orderKey,
        ':wa': after.arrivedAt,
        ':at': nowMs,
        ':exp': Math.floor(nowMs / 1000) + BUFFER_TTL_SECONDS,
        ...(before ? { ':before': before.orderKey } : {}),
      },
    },
  };
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
    rearmed: false,
    maxArrivalDisorderMs: plan.arrivalDisorderMs.reduce((a, b) => Math.max(a, b), 0),
    lateEvents: [],
  };

  let committed = watermark;
  let sent = 0;
  for (let i = 0; i < plan.actions.length; i += CHUNK) {
    const chunk: ReleaseAction[] = plan.actions.slice(i, i + CHUNK);
    let next = committed;
    for (const action of chunk) {
      if (action.kind === 'send') {
        await sqs.send(new SendMessageCommand(feedSendInput(settings.feedQueueUrl, toFeedMessage(action.event, action.late ? action : undefined))));
        sent += 1;
        await deps.afterSend?.(action.event, sent);
        if (!action.late) next = { orderKey: action.event.orderKey, arrivedAt: action.event.arrivedAt };
      }
    }
    const deletes = chunk.map((a) => ({ Delete: { TableName: settings.bufferTable, Key: { entity, orderKey: a.event.orderKey } } }));
    // A chunk of late or already-released events only still checks the
    // watermark it read: a concurrent run must not interleave with this one.
    await client.send(
      new TransactWriteCommand({
        TransactItems: [watermarkUpdate(settings.bufferTable, entity, committed, next ?? committed!, now()), ...deletes],
        ClientRequestToken: randomUUID(),
      }),
    );
    committed = next;
    for (const action of chunk) {
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

  if (plan.waiting > 0 || more) {
    // Never lose a trigger: if this one cannot be sent the run fails and its
    // own trigger is retried.
    const failed = await sendReleaseTriggers(sqs, settings, [entity], now());
    if (failed.size > 0) throw new Error(`could not re-arm the release of ${entity}: the release queue did not take the trigger`);
    report.rearmed = true;
  }
  return report;
}
