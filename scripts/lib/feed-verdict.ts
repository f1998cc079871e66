// The verdict on the ordered feed (issue 12): per entity the messages not
// marked late come in strictly increasing order-key order; every accepted
// event (valid, duplicates of the same content counted once) is on the feed
// exactly once, released or marked late (under the drop policy, the ones
// missing are exactly the late events the release dropped); and no event is
// late when the arrival disorder stayed inside the hold window.
import { parseGenesysEvent, type ParseLimits } from '../../shared/genesys/event';
import type { FeedMessage } from '../../shared/ordering/feed-message';
import type { LateEventPolicy } from '../../shared/ordering/config';
import { isPermanentEventError } from '../../shared/resilience/errors';

export interface FeedVerdict {
  messages: number;
  entities: number;
  /** Distinct valid contents sent (what the consumer accepts). */
  accepted: number;
  inOrder: number;
  /** In-order messages that arrived after a message the feed puts after them: the disorder the buffer repaired. */
  reordered: number;
  late: number;
  droppedLate: number;
  /** Non-late messages whose order key is not above the previous non-late one of their entity. */
  orderViolations: number;
  /** Contents on the feed more than once. */
  duplicates: number;
  /** Accepted contents neither on the feed nor accounted for as dropped late. */
  missing: number;
  /** Feed messages that are not an accepted content. */
  unexpected: number;
  /** Largest measured arrival disorder: how long after a later event of its entity an event arrived. */
  maxArrivalDisorderMs: number;
  holdSeconds: number;
  clean: boolean;
  examples: string[];
}

const identity = (entity: string, orderKey: string) => `${entity}\u0000${orderKey}`;

/** For each message, how long after the earliest-arriving later event (greater order key) of its entity it arrived. */
export function maxArrivalDisorderMs(feed: readonly FeedMessage[]): number {
  const byEntity = new Map<string, FeedMessage[]>();
  for (const m of feed) byEntity.set(m.entity, [...(byEntity.get(m.entity) ?? []), m]);
  let worst = 0;
  for (const messages of byEntity.values()) {
    const sorted = [...messages].sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0));
    let earliestLater = Number.POSITIVE_INFINITY;
    for (let i = sorted.length - 1; i >= 0; i--) {
      worst = Math.max(worst, sorted[i]!.arrivedAt - earliestLater);
      earliestLater = Math.min(earliestLater, sorted[i]!.arrivedAt);
    }
  }
  return worst;
}

export function verifyFeed(
  lines: readonly string[],
  limits: ParseLimits,
  feed: readonly FeedMessage[],
  options: { holdSeconds: number; lateEvents: LateEventPolicy; droppedLate: number },
): FeedVerdict {
  const accepted = new Set<string>();
  for (const line of lines) {
    try {
      const event = parseGenesysEvent(line, limits);
      accepted.add(identity(event.entity, event.orderKey));
    } catch (error) {
      if (!isPermanentEventError(error)) throw error;
    }
  }
  const examples: string[] = [];
  const note = (text: string) => examples.length < 5 && examples.push(text);
  const seen = new Set<string>();
  const lastInOrder = new Map<string, string>();
  let orderViolations = 0;
  let duplicates = 0;
  let unexpected = 0;
  let late = 0;
  for (const m of feed) {
    const id = identity(m.entity, m.orderKey);
    if (seen.has(id)) {
      duplicates += 1;
      note(`${m.entity} ${m.orderKey} on the feed twice`);
    }
    seen.add(id);
    if (!accepted.has(id)) {
      unexpected += 1;
      note(`${m.entity} ${m.orderKey} on the feed but never sent`);
    }
    if (m.late) {
      late += 1;
      continue;
    }
    const previous = lastInOrder.get(m.entity);
    if (previous !== undefined && m.orderKey <= previous) {
      orderViolations += 1;
      note(`${m.entity}: ${m.orderKey} after ${previous}, not marked late`);
    }
    lastInOrder.set(m.entity, m.orderKey);
  }
  let reordered = 0;
  const earliestLater = new Map<string, number>();
  for (let i = feed.length - 1; i >= 0; i--) {
    const m = feed[i]!;
    const later = earliestLater.get(m.entity) ?? Number.POSITIVE_INFINITY;
    if (!m.late && m.arrivedAt > later) reordered += 1;
    earliestLater.set(m.entity, Math.min(later, m.arrivedAt));
  }
  const absent = [...accepted].filter((id) => !seen.has(id)).length;
  // Dropped late events are counted by the release, not named on the feed.
  const missing = options.lateEvents === 'drop' ? Math.abs(absent - options.droppedLate) : absent;
  if (missing > 0) note(`${absent} accepted events not on the feed${options.lateEvents === 'drop' ? `, ${options.droppedLate} dropped late` : ''}`);
  const disorder = maxArrivalDisorderMs(feed);
  const lateTotal = late + (options.lateEvents === 'drop' ? options.droppedLate : 0);
  const lateWithoutCause = disorder <= options.holdSeconds * 1000 && lateTotal > 0;
  if (lateWithoutCause) note(`${lateTotal} late events although the arrival disorder (${disorder} ms) stayed inside the ${options.holdSeconds} s window`);
  return {
    messages: feed.length,
    entities: new Set(feed.map((m) => m.entity)).size,
    accepted: accepted.size,
    inOrder: feed.length - late,
    reordered,
    late,
    droppedLate: options.lateEvents === 'drop' ? options.droppedLate : 0,
    orderViolations,
    duplicates,
    missing,
    unexpected,
    maxArrivalDisorderMs: disorder,
    holdSeconds: options.holdSeconds,
    clean: orderViolations === 0 && duplicates === 0 && missing === 0 && unexpected === 0 && !lateWithoutCause,
    examples,
  };
}

/**
 * Lines in event-time order, each then moved by at most `window` places: the
 * arrival disorder a well-behaved source shows, small enough (at the demo's
 * rate) to stay inside the hold window. Lines without an event time (poison)
 * keep a random place.
 */
export function boundedDisorder(lines: readonly string[], window: number, random: () => number): string[] {
  const timeOf = (line: string): number | undefined => {
    try {
      const e = JSON.parse(line) as { detail?: { eventBody?: { eventTime?: unknown; modifiedDate?: unknown }; timestamp?: unknown } };
      const body = e.detail?.eventBody;
      const t = body?.eventTime ?? body?.modifiedDate ?? e.detail?.timestamp;
      const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : Number.NaN;
      return Number.isFinite(ms) ? ms : undefined;
    } catch {
      return undefined;
    }
  };
  const timed: Array<{ line: string; t: number }> = [];
  const untimed: string[] = [];
  for (const line of lines) {
    const t = timeOf(line);
    if (t === undefined) untimed.push(line);
    else timed.push({ line, t });
  }
  const placed = timed
    .sort((a, b) => a.t - b.t)
    .map((x, i) => ({ line: x.line, at: i + random() * window }));
  for (const line of untimed) placed.push({ line, at: random() * timed.length });
  return placed.sort((a, b) => a.at - b.at).map((x) => x.line);
}
