// What happened to the records of one forwarder batch: logged as the batch
// summary (the `forwarderTally` field) and summed by the local runner for
// `messaging drain`, as a CloudWatch Logs Insights query would on AWS.
import type { PermanentReason } from '../../resilience/errors';

export interface ForwarderTally {
  /** Inbound-queue records settled (forwarded, duplicate, dead-lettered or diverted); retries are not counted again. */
  received: number;
  forwarded: number;
  duplicatesDropped: number;
  divertedToMaintenance: number;
  deadLettered: Partial<Record<PermanentReason, number>>;
  /** Records failed back to the queue (held by visibility), whatever the reason. */
  held: number;
  /** Genesys calls answered 429. */
  rateLimited429: number;
  /** 401s followed by a token re-read or refresh and one retry. */
  unauthorizedRetries: number;
  /** Drain-mode records refused by an open breaker (inbound records are diverted instead). */
  shortCircuited: number;
  circuitOpened: number;
}

export const emptyForwarderTally = (): ForwarderTally => ({
  received: 0,
  forwarded: 0,
  duplicatesDropped: 0,
  divertedToMaintenance: 0,
  deadLettered: {},
  held: 0,
  rateLimited429: 0,
  unauthorizedRetries: 0,
  shortCircuited: 0,
  circuitOpened: 0,
});

export function addForwarderTally(into: ForwarderTally, from: ForwarderTally): ForwarderTally {
  for (const key of ['received', 'forwarded', 'duplicatesDropped', 'divertedToMaintenance', 'held', 'rateLimited429', 'unauthorizedRetries', 'shortCircuited', 'circuitOpened'] as const) {
    into[key] += from[key] ?? 0;
  }
  for (const [reason, n] of Object.entries(from.deadLettered ?? {}) as Array<[PermanentReason, number]>) {
    into.deadLettered[reason] = (into.deadLettered[reason] ?? 0) + n;
  }
  return into;
}
