// What happened to the records of one dispatcher batch: logged as the batch
// summary (`dispatcherTally`) and summed by the local runner for `messaging drain`.
export interface DispatcherTally {
  /** Records settled (delivered, failed, duplicate, acknowledged or dead-lettered); retries are not counted again. */
  received: number;
  delivered: number;
  /** The platform refused for good: a Failed receipt, no retry. */
  failed: number;
  duplicatesDropped: number;
  typingForwarded: number;
  /** Genesys receipts and unknown types: logged, nothing sent. */
  acknowledged: number;
  deadLettered: number;
  receiptsPosted: number;
  held: number;
  /** Platform answers 429 / throttled. */
  platformRateLimited: number;
}

export const emptyDispatcherTally = (): DispatcherTally => ({
  received: 0,
  delivered: 0,
  failed: 0,
  duplicatesDropped: 0,
  typingForwarded: 0,
  acknowledged: 0,
  deadLettered: 0,
  receiptsPosted: 0,
  held: 0,
  platformRateLimited: 0,
});

export function addDispatcherTally(into: DispatcherTally, from: Partial<DispatcherTally>): DispatcherTally {
  for (const key of Object.keys(into) as Array<keyof DispatcherTally>) into[key] += from[key] ?? 0;
  return into;
}
