import { describe, expect, it } from 'vitest';
import { createStoreBreaker, isBrokenCircuit } from '../../shared/resilience/circuit-breaker';

const settings = { failureThreshold: 0.5, windowSeconds: 10, minimumRps: 0.5, halfOpenAfterSeconds: 1 };

describe('projection store circuit breaker', () => {
  it('opens after failures pass the threshold, then fails fast without calling the store', async () => {
    const states: string[] = [];
    const breaker = createStoreBreaker(settings, () => true, (s) => states.push(s));
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new Error('InternalServerError');
    };
    for (let i = 0; i < 5; i++) await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
    const callsWhenOpened = calls;
    const error = await breaker.execute(failing).catch((e: unknown) => e);
    expect(isBrokenCircuit(error)).toBe(true);
    expect(calls).toBe(callsWhenOpened);
    expect(states).toContain('open');
  });

  it('lets a probe through after halfOpenAfter and closes on its success', async () => {
    const states: string[] = [];
    const breaker = createStoreBreaker(settings, () => true, (s) => states.push(s));
    for (let i = 0; i < 5; i++) await breaker.execute(async () => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await new Promise((r) => setTimeout(r, 1100));
    await expect(breaker.execute(async () => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count outcomes that say nothing about the store', async () => {
    const breaker = createStoreBreaker(settings, (e) => e.name !== 'IdempotencyAlreadyInProgressError', () => undefined);
    const inProgress = Object.assign(new Error('in progress'), { name: 'IdempotencyAlreadyInProgressError' });
    for (let i = 0; i < 10; i++) await breaker.execute(async () => Promise.reject(inProgress)).catch(() => undefined);
    expect(breaker.state).toBe('closed');
  });
});
