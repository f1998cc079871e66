// What one release run does with an entity's buffered events: a pure function
// of the watermark, the buffered events (in order-key order) and the clock, so
// the rules are tested without AWS.
//
// Rules:
// - Only a prefix is released: events in order-key order up to the first one
//   whose hold has not passed. An event still in its hold blocks every later
//   one, so an event that arrived within the window of a later one is always
//   released before it and is never late.
// - An event whose order key is below the watermark (the highest order key
//   already on the feed) is late: something after it in event time was
//   released before it arrived. It is released marked late with the watermark
//   it missed, or dropped from the feed (counted, logged; the projection has
//   it), by policy; never silently put out of order.
// - An event whose order key equals the watermark is the very content that
//   set it (a record retried after its first copy was released writes it
//   again), and one the watermark lists as just released is still buffered
//   only because the run that sent it died before deleting it: both are
//   removed without a second send.
import type { BufferedEvent } from './buffer';
import type { LateEventPolicy } from './config';

export interface Watermark {
  /** Highest order key released to the feed. */
  orderKey: string;
  /** When the event that set it arrived (epoch ms): late events measure their disorder from it. */
  arrivedAt: number;
  /** Order keys of the last chunk released (sent or dropped), written with the watermark before they are deleted. */
  lastReleased?: readonly string[];
}

export type ReleaseAction =
  | { kind: 'send'; event: BufferedEvent; late: false }
  | { kind: 'send'; event: BufferedEvent; late: true; missedWatermark: string }
  | { kind: 'drop-late'; event: BufferedEvent; missedWatermark: string }
  | { kind: 'drop-released'; event: BufferedEvent };

export interface ReleasePlan {
  actions: ReleaseAction[];
  /** The watermark after the actions: the highest in-order key sent, or the old one. */
  watermark: Watermark | undefined;
  /** Events left in the buffer because their hold (or an earlier event's) has not passed. */
  waiting: number;
  /**
   * For each released or dropped event, how long after a later event (greater
   * order key) of its entity it arrived, 0 if none had: the arrival disorder
   * the hold window must cover. Measured against the events this run sees and
   * the watermark's event (for late ones, a lower bound).
   */
  arrivalDisorderMs: number[];
}

export function planRelease(
  watermark: Watermark | undefined,
  buffered: readonly BufferedEvent[],
  nowMs: number,
  holdSeconds: number,
  policy: LateEventPolicy,
): ReleasePlan {
  const events = [...buffered].sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0));
  // Earliest arrival among the events after each position.
  const laterArrival: number[] = new Array<number>(events.length);
  let earliest = Number.POSITIVE_INFINITY;
  for (let i = events.length - 1; i >= 0; i--) {
    laterArrival[i] = earliest;
    earliest = Math.min(earliest, events[i]!.arrivedAt);
  }
  const actions: ReleaseAction[] = [];
  const arrivalDisorderMs: number[] = [];
  let current = watermark;
  let i = 0;
  for (; i < events.length; i++) {
    const event = events[i]!;
    if (event.arrivedAt + holdSeconds * 1000 > nowMs) break;
    const missed = watermark?.orderKey;
    if (missed !== undefined && (event.orderKey === missed || watermark!.lastReleased?.includes(event.orderKey))) {
      actions.push({ kind: 'drop-released', event });
      continue;
    }
    if (missed !== undefined && event.orderKey < missed) {
      actions.push(policy === 'mark' ? { kind: 'send', event, late: true, missedWatermark: missed } : { kind: 'drop-late', event, missedWatermark: missed });
      arrivalDisorderMs.push(Math.max(0, event.arrivedAt - watermark!.arrivedAt, event.arrivedAt - laterArrival[i]!));
      continue;
    }
    actions.push({ kind: 'send', event, late: false });
    arrivalDisorderMs.push(Math.max(0, event.arrivedAt - laterArrival[i]!));
    current = { orderKey: event.orderKey, arrivedAt: event.arrivedAt };
  }
  return { actions, watermark: current, waiting: events.length - i, arrivalDisorderMs };
}
