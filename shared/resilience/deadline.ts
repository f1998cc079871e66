// The invocation's deadline. Lambda ends an invocation that outlives its
// timeout as a failure of the whole batch: every record, the finished ones
// included, comes back after the queue's visibility timeout with one receive
// spent. A record that cannot finish in time is reported failed on its own
// instead, so the rest of the batch is deleted and it is retried at once.

/** The record was not started, or not finished, before the invocation had to report. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** A record that ran out of invocation time, not of luck, comes back as soon as the next invocation can take it. */
export const DEADLINE_HOLD_SECONDS = 1;

export const isDeadlineError = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'DeadlineError';

/**
 * How much of the invocation to keep for reporting (the partial batch response
 * and the failed records' visibility changes): a fifth of the timeout, between
 * 0.5 s and 3 s (one attempt of an SDK call at shared/aws/clients.ts's timeout).
 */
export const reportingReserveMs = (timeoutMs: number): number => Math.min(3_000, Math.max(500, Math.round(timeoutMs / 5)));

/**
 * Settles as `work` does, or rejects with DeadlineError after `ms`. The work
 * itself is not cancelled (an SDK call in flight cannot be taken back), so
 * whatever it does after the deadline must be safe to redo on the retry; its
 * late failure is swallowed here rather than left unhandled.
 */
export function beforeDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} not finished before the invocation's deadline`)), Math.max(0, ms));
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
