// The dispatcher bench's measures and flags (scripts/lib/dispatcher-bench*.ts):
// sends per sliding second from the platform double's log, Telegram's
// per-chat spacing, once-and-in-order per conversation, the target, and flag
// errors that name the fix. Pure logic: no stack, no timing.
import { describe, expect, it } from 'vitest';
import { chatSpacing, deliveryCheck, dispatcherVerdict, isRateRefusal, rateMeasure, type PlatformRow } from '../../scripts/lib/dispatcher-bench';
import { parseDispatcherRates, readDispatcherBenchFlags } from '../../scripts/lib/dispatcher-bench-section';

const at = (ms: number) => new Date(Date.parse('2026-11-29T12:00:00.000Z') + ms).toISOString();

describe('sends per sliding second', () => {
  it('counts a steady 10/s as 10 at most and about 10 on average', () => {
    const times = Array.from({ length: 50 }, (_, i) => 1_000 + i * 100);
    const m = rateMeasure(times);
    expect(m).toMatchObject({ sends: 50, spanMs: 4_900, maxPerSecond: 10 });
    expect(m.meanPerSecond).toBeCloseTo(10, 5);
    expect(m.meanPerSecondAfterFirst).toBeCloseTo(10, 5);
  });

  it('finds 11 sends squeezed into one second, wherever the window starts', () => {
    const times = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950, 2_000];
    expect(rateMeasure(times).maxPerSecond).toBe(11);
    // [t, t + 1 s) is half-open: a send exactly 1 s after the first opens the next window.
    expect(rateMeasure([0, 100, 1_000]).maxPerSecond).toBe(2);
  });

  it('leaves the ramp out of the mean after the first second', () => {
    // 2 sends in the first second, then 10/s for 3 s.
    const times = [0, 500, ...Array.from({ length: 30 }, (_, i) => 1_000 + i * 100)];
    const m = rateMeasure(times);
    expect(m.meanPerSecondAfterFirst).toBeCloseTo(10, 5);
    expect(m.meanPerSecond!).toBeLessThan(m.meanPerSecondAfterFirst!);
  });

  it('has no mean for a burst under a second, and nothing for no sends', () => {
    expect(rateMeasure([0, 10, 20]).meanPerSecond).toBeUndefined();
    expect(rateMeasure([])).toEqual({ sends: 0, spanMs: 0, maxPerSecond: 0 });
  });
});

describe('Telegram per chat', () => {
  it('reports the shortest gap between two sends to one chat and the most in a second', () => {
    const spacing = chatSpacing([
      { to: '1', sentAt: at(0) },
      { to: '2', sentAt: at(10) },
      { to: '1', sentAt: at(1_010) },
      { to: '2', sentAt: at(900) },
    ]);
    expect(spacing).toEqual({ chats: 2, minGapMs: 890, maxPerChatPerSecond: 2 });
  });
});

describe('once and in order', () => {
  const expected = new Map([
    ['u1', ['a #0', 'a #1', 'a #2']],
    ['u2', ['b #0', 'b #1']],
  ]);

  it('passes every reply once in the order typed', () => {
    const sent = [['u1', 'a #0'], ['u2', 'b #0'], ['u1', 'a #1'], ['u2', 'b #1'], ['u1', 'a #2']].map(([to, text]) => ({ to: to!, text: text! }));
    expect(deliveryCheck(expected, sent)).toEqual({ expected: 5, deliveredOnce: 5, lost: 0, duplicated: 0, conversationsOutOfOrder: 0 });
  });

  it('counts a lost reply, a duplicate and a conversation out of order', () => {
    const sent = [['u1', 'a #1'], ['u1', 'a #0'], ['u1', 'a #0'], ['u2', 'b #0']].map(([to, text]) => ({ to: to!, text: text! }));
    expect(deliveryCheck(expected, sent)).toEqual({ expected: 5, deliveredOnce: 3, lost: 2, duplicated: 1, conversationsOutOfOrder: 1 });
  });
});

describe('the target', () => {
  const row = (over: Partial<PlatformRow>): PlatformRow => ({
    platform: 'line',
    configuredPerSecond: 20,
    limiterSteadyPerSecond: 19,
    conversations: 100,
    rates: { sends: 400, spanMs: 20_000, maxPerSecond: 20, meanPerSecond: 19.2, meanPerSecondAfterFirst: 19.3 },
    maxOfRate: 1,
    meanOfRate: 0.96,
    meanOfRateAfterFirst: 0.965,
    refusals: 0,
    rateRefusals: 0,
    delivery: { expected: 400, deliveredOnce: 400, lost: 0, duplicated: 0, conversationsOutOfOrder: 0 },
    receiptsDelivered: 400,
    ...over,
  });

  it('is met within 100% with at least 95% used, nothing refused, every reply once and in order', () => {
    expect(dispatcherVerdict(row({})).met).toBe(true);
  });

  it('names each way it is missed', () => {
    const verdict = dispatcherVerdict(row({ maxOfRate: 1.05, meanOfRateAfterFirst: 0.9, rateRefusals: 3, receiptsDelivered: 399 }));
    expect(verdict.met).toBe(false);
    expect(verdict.why).toContain('max 105.0% > 100%');
    expect(verdict.why).toContain('used 90.0% < 95%');
    expect(verdict.why).toContain('3 rate refusals');
    expect(verdict.why).toContain('399/400 receipts');
  });

  it('counts each platform rate refusal as one (LINE/Telegram 429, Viber status 12, WhatsApp 130429), not an injected failure', () => {
    expect(['rate', 'rate-per-chat', 'status 12', '130429'].map((why) => isRateRefusal({ why }))).toEqual([true, true, true, true]);
    expect(isRateRefusal({ why: 'injected' })).toBe(false);
  });
});

describe('flags', () => {
  const fail = (message: string): never => {
    throw new Error(message);
  };

  it('reads a rate for every platform, the production defaults, or platform=rate pairs', () => {
    expect(parseDispatcherRates(undefined, 20)).toEqual({ line: 20, telegram: 20, viber: 20, whatsapp: 20 });
    expect(parseDispatcherRates('production', 20)).toEqual({ line: 80, telegram: 30, viber: 80, whatsapp: 80 });
    expect(parseDispatcherRates('telegram=30,line=40', 20)).toEqual({ telegram: 30, line: 40 });
  });

  it('refuses a bad rate naming what the flag takes', () => {
    expect(parseDispatcherRates('sms=3', 20)).toMatch(/"sms" is not a platform \(line, telegram, viber, whatsapp\)/);
    expect(parseDispatcherRates('line=0', 20)).toMatch(/line=0 needs a positive rate/);
    expect(parseDispatcherRates('-5', 20)).toMatch(/must be a rate for every platform/);
  });

  it('refuses bad numbers and an unknown DynamoDB, naming the fix', () => {
    expect(() => readDispatcherBenchFlags({ 'dispatcher-instances': '0' }, false, fail)).toThrow('--dispatcher-instances=0 must be an integer from 1 to 1000');
    expect(() => readDispatcherBenchFlags({ 'dispatcher-seconds': '2.5' }, false, fail)).toThrow('--dispatcher-seconds=2.5 must be an integer from 1 to 3600');
    expect(() => readDispatcherBenchFlags({ 'dispatcher-dynamodb': 'real' }, false, fail)).toThrow(/must be moto .* or stub/);
  });

  it('defaults to 20/s per platform for 20 s, one platform at a time; a smoke run is tiny and in one phase', () => {
    expect(readDispatcherBenchFlags({}, false, fail)).toEqual({ rates: { line: 20, telegram: 20, viber: 20, whatsapp: 20 }, seconds: 20, dynamoDb: 'stub', together: false });
    expect(readDispatcherBenchFlags({}, true, fail)).toMatchObject({ seconds: 1, instances: 2, together: true, rates: { line: 3 } });
  });
});
