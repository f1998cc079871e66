import { inject } from 'vitest';
import { useLocalAws } from '../../scripts/local/aws-env';
import { resetMoto } from '../../scripts/local/moto';
import { provisionLocalStack, type LocalStack, type OrderingChoice } from '../../scripts/local/provision';

/**
 * This worker's local AWS (global-setup.ts starts one per worker). Vitest
 * numbers its workers 1..maxWorkers (VITEST_POOL_ID) and runs one file at a
 * time in each, so the file that runs here owns this server until it ends.
 */
export function localAwsEndpoint(): string {
  const endpoints = inject('awsEndpoints');
  const worker = Number(process.env.VITEST_POOL_ID ?? '1');
  const endpoint = endpoints[worker - 1];
  // Sharing another worker's server would let its resets wipe this file's resources.
  if (!endpoint) throw new Error(`integration worker ${worker} has no local AWS (${endpoints.length} started): keep maxWorkers and the global setup in step`);
  return endpoint;
}

/** A clean local AWS with the event path provisioned, for one test file or test. */
export async function freshStack(ordering: OrderingChoice = {}): Promise<LocalStack> {
  const endpoint = localAwsEndpoint();
  useLocalAws(endpoint);
  await resetMoto(endpoint);
  return provisionLocalStack({}, ordering);
}

/** Settings that keep tests quick without changing semantics: short batching window, fast backoff. */
export const QUICK = {
  settings: { batchingWindowMs: 300 },
  consumerEnv: { RETRY_BACKOFF_BASE_SECONDS: '1', RETRY_BACKOFF_CAP_SECONDS: '1' },
};
