import type { PermanentReason } from '../resilience/errors';

/** What happened to the records of one batch; logged as the batch summary and summed by the local runner. */
export interface BatchTally {
  received: number;
  projected: number;
  stale: number;
  duplicate: number;
  failed: number;
  /** Records failed without a store call because the circuit breaker was open. */
  shortCircuited: number;
  /** Times the projection store's circuit breaker opened during the batch. */
  circuitOpened: number;
  /** Records whose detail.topicName does not follow their detail-type (the detail-type decided how they were stored). */
  topicMismatch: number;
  /** Records reported failed because the invocation's deadline came first (shared/resilience/deadline.ts). */
  pastDeadline: number;
  deadLettered: Partial<Record<PermanentReason, number>>;
}

export const emptyTally = (): BatchTally => ({ received: 0, projected: 0, stale: 0, duplicate: 0, failed: 0, shortCircuited: 0, circuitOpened: 0, topicMismatch: 0, pastDeadline: 0, deadLettered: {} });

export function addTally(into: BatchTally, from: BatchTally): BatchTally {
  into.received += from.received;
  into.projected += from.projected;
  into.stale += from.stale;
  into.duplicate += from.duplicate;
  into.failed += from.failed;
  into.shortCircuited += from.shortCircuited ?? 0;
  into.circuitOpened += from.circuitOpened ?? 0;
  into.topicMismatch += from.topicMismatch ?? 0;
  into.pastDeadline += from.pastDeadline ?? 0;
  for (const [reason, n] of Object.entries(from.deadLettered) as Array<[PermanentReason, number]>) {
    into.deadLettered[reason] = (into.deadLettered[reason] ?? 0) + n;
  }
  return into;
}

export const deadLetteredTotal = (tally: BatchTally): number =>
  Object.values(tally.deadLettered).reduce((sum, n) => sum + (n ?? 0), 0);
