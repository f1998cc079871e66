import { inject } from 'vitest';
import { useLocalAws } from '../../scripts/local/aws-env';
import { resetMoto } from '../../scripts/local/moto';
import { provisionLocalStack, type LocalStack, type OrderingChoice } from '../../scripts/local/provision';

/** A clean local AWS with the event path provisioned, for one test file or test. */
export async function freshStack(ordering: OrderingChoice = {}): Promise<LocalStack> {
  const endpoint = inject('awsEndpoint');
  useLocalAws(endpoint);
  await resetMoto(endpoint);
  return provisionLocalStack({}, ordering);
}

/** Settings that keep tests quick without changing semantics: short batching window, fast backoff. */
export const QUICK = {
  settings: { batchingWindowMs: 300 },
  consumerEnv: { RETRY_BACKOFF_BASE_SECONDS: '1', RETRY_BACKOFF_CAP_SECONDS: '1' },
};
