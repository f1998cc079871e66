import { useLocalAws } from '../../scripts/local/aws-env';
import { resetMoto } from '../../scripts/local/moto';
import { provisionLocalStack, type LocalStack, type OrderingChoice } from '../../scripts/local/provision';
import { leasedAwsEndpoint } from './aws-lease';

/** This file's own local AWS (leased for the whole file, see aws-lease.ts). */
export const localAwsEndpoint = leasedAwsEndpoint;

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
