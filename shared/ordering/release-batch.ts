// A batch of release triggers from the release queue (SQS FIFO, group =
// entity): one release per entity per batch, however many triggers of that
// entity the batch holds. A later trigger of an entity already released in
// this batch is already served: it became visible a hold after its event was
// buffered, so that event was in the buffer when the release read it.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { releaseEntity, type ReleaseDeps, type ReleaseReport } from './release';

export interface ReleaseTally {
  triggers: number;
  entities: number;
  released: number;
  late: number;
  droppedLate: number;
  droppedReleased: number;
  rearmed: number;
  maxArrivalDisorderMs: number;
}

export const emptyReleaseTally = (): ReleaseTally => ({
  triggers: 0,
  entities: 0,
  released: 0,
  late: 0,
  droppedLate: 0,
  droppedReleased: 0,
  rearmed: 0,
  maxArrivalDisorderMs: 0,
});

export function addReleaseTally(into: ReleaseTally, from: Partial<ReleaseTally>): ReleaseTally {
  for (const key of ['triggers', 'entities', 'released', 'late', 'droppedLate', 'droppedReleased', 'rearmed'] as const) into[key] += from[key] ?? 0;
  into.maxArrivalDisorderMs = Math.max(into.maxArrivalDisorderMs, from.maxArrivalDisorderMs ?? 0);
  return into;
}

export function entityOfTrigger(record: Pick<SQSRecord, 'body' | 'messageId'>): string {
  let entity: unknown;
  try {
    entity = (JSON.parse(record.body) as { entity?: unknown }).entity;
  } catch {
    entity = undefined;
  }
  if (typeof entity !== 'string' || entity === '') {
    // Only the consumer and this function write to the release queue; a body
    // without an entity is a bug, and the redrive policy moves it to the DLQ.
    throw new Error(`release trigger ${record.messageId} has no entity: ${record.body.slice(0, 120)}`);
  }
  return entity;
}

/** A record handler for one invocation: releases each entity once and sums the reports into `tally`. */
export function createReleaseRecordHandler(deps: ReleaseDeps, logger: Pick<Logger, 'warn'>, tally: ReleaseTally) {
  const done = new Set<string>();
  return async (record: SQSRecord): Promise<void> => {
    tally.triggers += 1;
    const entity = entityOfTrigger(record);
    if (done.has(entity)) return;
    const report: ReleaseReport = await releaseEntity(deps, entity);
    done.add(entity);
    tally.entities += 1;
    tally.released += report.released;
    tally.late += report.late;
    tally.droppedLate += report.droppedLate;
    tally.droppedReleased += report.droppedReleased;
    tally.rearmed += report.rearmed ? 1 : 0;
    tally.maxArrivalDisorderMs = Math.max(tally.maxArrivalDisorderMs, report.maxArrivalDisorderMs);
    for (const late of report.lateEvents) {
      logger.warn(late.dropped ? 'late event dropped from the ordered feed (kept in the projection)' : 'late event released marked late', {
        entity,
        orderKey: late.orderKey,
        eventId: late.eventId,
        missedWatermark: late.missedWatermark,
      });
    }
  };
}
