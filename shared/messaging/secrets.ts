// A small cached reader of JSON secrets in Secrets Manager, shared by the
// messaging functions (ingest: webhook secrets; forwarder: OAuth client, the
// shared Genesys token, platform credentials).
//
// Why a cache with an age and not one read per request: a webhook must be
// answered in milliseconds and Secrets Manager costs a network round trip and
// money per call; why an age at all: a rotated secret (or the token the
// refresher rewrites) must reach warm instances without a redeploy.
// Concurrent callers of a cold entry share one read. A failed read is never
// cached, and a value that is not the JSON the caller expects is an error that
// names the secret, never the value.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../aws/clients';

export interface ReadJsonSecretOptions<T> {
  /** How long a read value is served from memory; Infinity (the default) = once per cold start. */
  maxAgeMs?: number;
  /** Checks the parsed value (throw to refuse it); the default accepts any JSON object. */
  parse?: (value: unknown) => T;
  client?: SecretsManagerClient;
  now?: () => number;
}

interface Entry {
  value: unknown;
  readAt: number;
}

const cache = new Map<string, Entry>();
const inFlight = new Map<string, Promise<Entry>>();
let defaultClient: SecretsManagerClient | undefined;

export class SecretReadError extends Error {
  override readonly name = 'SecretReadError';
}

/** Reads secret `arn` (a JSON string) through the per-process cache. */
export async function readJsonSecret<T>(arn: string, options: ReadJsonSecretOptions<T> = {}): Promise<T> {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
  const cached = cache.get(arn);
  if (cached && now() - cached.readAt < maxAgeMs) return cached.value as T;

  let pending = inFlight.get(arn);
  if (!pending) {
    const client = options.client ?? (defaultClient ??= secretsManagerClient());
    pending = fetchSecret(client, arn, options.parse ?? parseObject, now).finally(() => inFlight.delete(arn));
    inFlight.set(arn, pending);
  }
  const entry = await pending;
  cache.set(arn, entry);
  return entry.value as T;
}

/** Drops the cached value, so the next read goes to Secrets Manager (e.g. after a 401 with a cached token). */
export function forgetSecret(arn?: string): void {
  if (arn === undefined) cache.clear();
  else cache.delete(arn);
}

async function fetchSecret(client: SecretsManagerClient, arn: string, parse: (value: unknown) => unknown, now: () => number): Promise<Entry> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: arn })).catch((error: unknown) => {
    throw new SecretReadError(`could not read secret ${arn}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  });
  if (typeof answer.SecretString !== 'string') {
    throw new SecretReadError(`secret ${arn} has no SecretString (a binary secret?): store it as a JSON string.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(answer.SecretString);
  } catch {
    // The parser's message can quote the value: say where, not what.
    throw new SecretReadError(`secret ${arn} is not JSON: store it as a JSON object.`);
  }
  try {
    return { value: parse(json), readAt: now() };
  } catch (error) {
    throw new SecretReadError(`secret ${arn} is not the expected shape: ${(error as Error).message}`);
  }
}

function parseObject(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
  return value;
}

/**
 * A `parse` for secrets whose fields are all strings: names the missing or
 * mistyped field (never its value). With `missingAs`, an absent field takes
 * that value instead (the webhook secret: a platform left out is a platform
 * not configured, refused by its verifier, not a broken secret for all).
 */
export const stringFields =
  <K extends string>(fields: readonly K[], options: { missingAs?: string } = {}) =>
  (value: unknown): Record<K, string> => {
    const object = { ...(parseObject(value) as Record<string, unknown>) };
    for (const field of fields) {
      if (object[field] === undefined && options.missingAs !== undefined) object[field] = options.missingAs;
      if (typeof object[field] !== 'string') throw new Error(`field "${field}" must be a string`);
    }
    return object as Record<K, string>;
  };
