// A circuit breaker around the projection store (cockatiel's SamplingBreaker:
// opens when the failure ratio over a sliding window passes a threshold, with
// a minimum rate so a single failure at low traffic does not trip it). While
// open, calls fail at once with BrokenCircuitError and make no request, so a
// struggling DynamoDB is not hammered by retries; after halfOpenAfter one
// probe goes through and its outcome closes or re-opens the circuit.
import { BrokenCircuitError, CircuitState, SamplingBreaker, circuitBreaker, handleWhen } from 'cockatiel';

export interface BreakerSettings {
  /** Failure ratio (0..1) over the window that opens the circuit. */
  failureThreshold: number;
  windowSeconds: number;
  /** Calls per second needed before the ratio counts. */
  minimumRps: number;
  halfOpenAfterSeconds: number;
}

// minimumRps 0.5: five calls in the 10 s window are enough to judge. Opening
// costs little (one probe after 5 s), staying closed through an outage burns
// every record's receive count.
export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 0.5, windowSeconds: 10, minimumRps: 0.5, halfOpenAfterSeconds: 5 };

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export interface StoreBreaker {
  execute<T>(call: () => Promise<T>): Promise<T>;
  readonly state: BreakerStateName;
  /** State changes since this breaker was made, by the state entered. */
  readonly transitions: Readonly<Record<BreakerStateName, number>>;
  /** Seconds from opening to the next probe: the first hold of a record the open circuit refused. */
  readonly halfOpenAfterSeconds: number;
  /**
   * Whether a call made now would be refused without running: open and not
   * yet due for its half-open probe, or a probe is in flight. (cockatiel's
   * state stays "open" after the delay until a call arrives to be the probe,
   * so `state === 'open'` alone would never let a caller that checks first
   * probe.) The forwarder diverts on this before doing any work.
   */
  refusing(now?: number): boolean;
}

export const isBrokenCircuit = (error: unknown): boolean => error instanceof BrokenCircuitError;

/**
 * `countsAsFailure` separates store failures (throttling, 5xx, timeouts) from
 * outcomes that say nothing about the store's health, such as another
 * invocation holding the idempotency record.
 */
export function createStoreBreaker(
  settings: BreakerSettings,
  countsAsFailure: (error: Error) => boolean,
  onStateChange: (state: BreakerStateName) => void,
): StoreBreaker {
  const policy = circuitBreaker(handleWhen(countsAsFailure), {
    halfOpenAfter: settings.halfOpenAfterSeconds * 1000,
    breaker: new SamplingBreaker({
      threshold: settings.failureThreshold,
      duration: settings.windowSeconds * 1000,
      minimumRps: settings.minimumRps,
    }),
  });
  const transitions: Record<BreakerStateName, number> = { closed: 0, open: 0, 'half-open': 0, isolated: 0 };
  let openedAt = 0;
  policy.onStateChange((state) => {
    if (state === CircuitState.Open) openedAt = Date.now();
    transitions[NAMES[state]] += 1;
    onStateChange(NAMES[state]);
  });
  return {
    execute: (call) => policy.execute(call),
    get state() {
      return NAMES[policy.state];
    },
    transitions,
    halfOpenAfterSeconds: Math.max(1, Math.ceil(settings.halfOpenAfterSeconds)),
    refusing(now = Date.now()) {
      if (policy.state === CircuitState.HalfOpen || policy.state === CircuitState.Isolated) return true;
      return policy.state === CircuitState.Open && now - openedAt < settings.halfOpenAfterSeconds * 1000;
    },
  };
}
