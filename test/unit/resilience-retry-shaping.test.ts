// How long a failed record stays invisible, by why it failed: the computed
// full-jitter delay unless the failure carries a better hint.
import { createServer } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { IdempotencyAlreadyInProgressError } from '../../shared/consumer/batch-idempotency';
import { openCircuitHoldSeconds } from '../../shared/resilience/backoff';
import { DeadlineError } from '../../shared/resilience/deadline';
import { isThrottlingError, isUnreachableError, retryAfterFromError, retryHint, throttledDelaySeconds, type RetryHintContext } from '../../shared/resilience/retry-hint';

const policy = { baseSeconds: 2, capSeconds: 300 };
const ctx = (o: Partial<RetryHintContext> = {}): RetryHintContext => ({
  attempt: 1,
  policy,
  circuitOpen: false,
  halfOpenAfterSeconds: 5,
  inProgressLockSeconds: 15,
  now: Date.parse('2026-01-01T00:00:00Z'),
  random: () => 0.5,
  ...o,
});

/** An error shaped as the AWS SDK v3 throws it: name, $metadata and the raw response kept as $response. */
const sdkError = (name: string, status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $response: { statusCode: status, headers } });
/** Powertools wraps persistence-layer failures. */
const wrapped = (cause: Error) => Object.assign(new Error('Failed to save in progress record to idempotency store', { cause }), { name: 'IdempotencyPersistenceLayerError' });

describe('retry hints', () => {
  it('a plain transient error has no hint: the full-jitter delay applies', () => {
    expect(retryHint(sdkError('InternalServerError', 500), ctx())).toBeUndefined();
    expect(retryHint(new Error('socket hang up'), ctx())).toBeUndefined();
  });

  it('a DynamoDB throttle, even wrapped by Powertools, holds for at least half the backoff ceiling', () => {
    const throttle = wrapped(sdkError('ThrottlingException', 400));
    expect(isThrottlingError(throttle)).toBe(true);
    expect(retryHint(throttle, ctx({ attempt: 4, random: () => 0 }))).toEqual({ seconds: 8, reason: 'throttled' });
    expect(retryHint(throttle, ctx({ attempt: 4, random: () => 0.999 }))).toEqual({ seconds: 16, reason: 'throttled' });
    expect(isThrottlingError(sdkError('ProvisionedThroughputExceededException', 400))).toBe(true);
    expect(isThrottlingError(sdkError('SomethingElse', 429))).toBe(true);
  });

  it("a downstream's Retry-After wins over throttling and the computed delay, in seconds or as an HTTP date", () => {
    expect(retryHint(sdkError('TooManyRequestsException', 429, { 'retry-after': '42' }), ctx())).toEqual({ seconds: 42, reason: 'retry-after' });
    const at = new Date(Date.parse('2026-01-01T00:01:30Z')).toUTCString();
    expect(retryHint(wrapped(sdkError('ServiceUnavailable', 503, { 'retry-after': at })), ctx())).toEqual({ seconds: 90, reason: 'retry-after' });
    // fetch-style errors carry a Headers object
    const fetchError = Object.assign(new Error('429'), { response: { status: 429, headers: new Headers({ 'Retry-After': '7' }) } });
    expect(retryAfterFromError(fetchError)).toBe(7);
  });

  it('an open circuit wins over everything: hold from the half-open delay, x3 per receive, capped', () => {
    const throttle = sdkError('ThrottlingException', 400, { 'retry-after': '1' });
    expect([1, 2, 3, 4, 5].map((attempt) => retryHint(throttle, ctx({ circuitOpen: true, attempt }))?.seconds)).toEqual([5, 15, 45, 135, 300]);
    expect(retryHint(new Error('x'), ctx({ circuitOpen: true }))?.reason).toBe('circuit-open');
  });

  it('a store that does not answer at all is held like an open circuit, even before the breaker has opened', async () => {
    // The real SDK error for a connection the server drops (what the chaos proxy does during an outage).
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const dropped = await client.send(new GetItemCommand({ TableName: 't', Key: { id: { S: '1' } } })).then(
      () => undefined,
      (error: unknown) => error,
    );
    server.close();
    expect(isUnreachableError(dropped)).toBe(true);
    expect(isUnreachableError(wrapped(dropped as Error))).toBe(true);
    expect([1, 2, 3].map((attempt) => retryHint(wrapped(dropped as Error), ctx({ attempt })))).toEqual([
      { seconds: 5, reason: 'unreachable' },
      { seconds: 15, reason: 'unreachable' },
      { seconds: 45, reason: 'unreachable' },
    ]);
    // An answer, even an error one, is not "unreachable".
    expect(isUnreachableError(wrapped(sdkError('InternalServerError', 500)))).toBe(false);
    expect(isUnreachableError(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toBe(true);
  });

  it('a content locked in progress is looked at again in 2 s, then after the lock has surely expired', () => {
    const inProgress = Object.assign(new Error('There is already an execution in progress'), { name: 'IdempotencyAlreadyInProgressError' });
    expect([1, 2, 3].map((attempt) => retryHint(inProgress, ctx({ attempt })))).toEqual([
      { seconds: 2, reason: 'in-progress' },
      { seconds: 15, reason: 'in-progress' },
      { seconds: 15, reason: 'in-progress' },
    ]);
  });

  it('a lock whose end the record gives is waited for no longer than that; a deadline miss comes back in 1 s', () => {
    const now = 1_000_000;
    const endingIn = (ms: number) => new IdempotencyAlreadyInProgressError('held', now + ms);
    expect(retryHint(endingIn(1_200), ctx({ attempt: 1, now }))).toEqual({ seconds: 2, reason: 'in-progress' });
    expect([2, 3].map((attempt) => retryHint(endingIn(4_100), ctx({ attempt, now })))).toEqual([
      { seconds: 5, reason: 'in-progress' },
      { seconds: 5, reason: 'in-progress' },
    ]);
    // A lock longer than the configured one (a Powertools record) is still waited for at most that long.
    expect(retryHint(endingIn(60_000), ctx({ attempt: 2, now }))).toEqual({ seconds: 15, reason: 'in-progress' });
    expect(retryHint(new DeadlineError('late'), ctx({ attempt: 3 }))).toEqual({ seconds: 1, reason: 'deadline' });
  });

  it('the throttled delay keeps a spread: uniform in [ceiling/2, ceiling], never below the base', () => {
    const draws = new Set(Array.from({ length: 200 }, (_, i) => throttledDelaySeconds(policy, 6, () => i / 200)));
    expect(Math.min(...draws)).toBe(32);
    expect(Math.max(...draws)).toBe(64);
    expect(draws.size).toBeGreaterThan(20);
    expect(throttledDelaySeconds({ baseSeconds: 2, capSeconds: 0 }, 1, () => 0)).toBe(1);
  });
});

describe('hold while the circuit is open', () => {
  it('grows x3 per receive from the half-open delay, capped, so a long outage does not exhaust maxReceiveCount', () => {
    expect([1, 2, 3, 4, 5].map((n) => openCircuitHoldSeconds(5, n, 300))).toEqual([5, 15, 45, 135, 300]);
    const heldBeforeLastReceive = [1, 2, 3, 4].reduce((sum, n) => sum + openCircuitHoldSeconds(5, n, 300), 0);
    expect(heldBeforeLastReceive).toBeGreaterThan(60);
  });
});
