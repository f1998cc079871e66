// Genesys carries time in two shapes: epoch milliseconds (conversation detail
// events) and ISO-8601 strings (audits, presence, detail.timestamp, envelope
// time, which has only second precision).

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Milliseconds since the epoch, or undefined when the value is not an ISO-8601 instant. */
export function parseIsoMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
