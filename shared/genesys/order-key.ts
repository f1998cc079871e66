// The total order behind last-write-wins (design §3): event time, then the
// Genesys detail timestamp, then the content digest. Encoded as a fixed-width
// string so DynamoDB's string comparison in a ConditionExpression
// (`orderKey < :key`) is the same order as the tuple comparison.
//
// Why the digest and not the envelope id as the last tiebreaker: Genesys may
// resend the same event under a new envelope id (design §2). With the
// envelope id the winner between two copies would depend on which arrived
// first; with the content digest every copy has the same key, so a replay is
// a no-op and any delivery order converges to the same item.

const WIDTH = 15; // epoch ms up to year 33658

export interface OrderKeyParts {
  eventTimeMs: number;
  detailTimestampMs: number;
  digest: string;
}

const pad = (ms: number): string => {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`order key time must be a non-negative integer, got ${ms}`);
  return ms.toString().padStart(WIDTH, '0');
};

export const orderKey = ({ eventTimeMs, detailTimestampMs, digest }: OrderKeyParts): string =>
  `${pad(eventTimeMs)}#${pad(detailTimestampMs)}#${digest}`;

export const compareOrderKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
