import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so two copies of the same
 * Genesys payload serialised with different key orders hash the same.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** Content identity of a Genesys event: duplicates re-sent with a new envelope id share it. */
export const contentDigest = (detail: unknown): string =>
  createHash('sha256').update(canonicalJson(detail)).digest('hex').slice(0, 32);
