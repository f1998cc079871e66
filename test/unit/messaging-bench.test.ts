// The arithmetic of the messaging bench (goodput from the double's windows)
// and the naive baseline against the Genesys double: a forwarder with no
// limiter loses what the window refuses. No timing is asserted.
import { afterEach, describe, expect, it } from 'vitest';
import { goodputFromWindows, ratio429, runNaiveForwarder } from '../../scripts/lib/messaging-bench';
import { startGenesysDouble, type GenesysDouble, type RateWindow } from '../../scripts/local/doubles/genesys-double';
import { inboundMessage } from '../fixtures/inbound-messages';

const window = (token: number, admitted: number, refused: number, complete = true): RateWindow => ({ token, start: '2026-11-29T08:00:00.000Z', admitted, refused, complete });

describe('goodput from rate windows', () => {
  it('counts complete windows of the busiest token only', () => {
    const windows = [window(1, 290, 0), window(2, 3, 0), window(1, 300, 2), window(1, 120, 0, false)];
    expect(goodputFromWindows(windows, 300, 2)).toEqual({ windows: 2, admitted: 590, refused: 2, goodputOfLimit: 590 / 600 });
    expect(goodputFromWindows(windows, 300, 5).windows).toBe(2);
    expect(goodputFromWindows([window(1, 10, 0, false)], 300, 1).goodputOfLimit).toBeUndefined();
  });

  it('charges a forwarder that stopped for the windows it left unused', () => {
    expect(goodputFromWindows([window(1, 300, 500, false)], 300, 2, { stopped: true })).toEqual({ windows: 2, admitted: 300, refused: 500, goodputOfLimit: 0.5 });
  });
});

describe('naive forwarder baseline', () => {
  let genesys: GenesysDouble | undefined;
  afterEach(() => genesys?.stop());

  it('posts everything at once and loses every message the window refuses', async () => {
    genesys = await startGenesysDouble({ clientId: 'c', clientSecret: 's', integrationId: 'i', rateLimitPerMinute: 20 });
    const messages = Array.from({ length: 50 }, (_, i) => inboundMessage({ platform: 'telegram', userId: String(1000 + (i % 5)) }));
    const run = await runNaiveForwarder({
      variant: 'no-retry',
      genesysUrl: genesys.url,
      clientId: 'c',
      clientSecret: 's',
      integrationId: 'i',
      messages,
      concurrency: 10,
      deadline: Date.now() + 60_000,
    });
    expect(run).toMatchObject({ messages: 50, delivered: 20, lost: 30, calls: 50, answered429: 30 });
    expect(ratio429(run)).toBe(0.6);
    expect(genesys.inbound()).toHaveLength(20);
    expect(goodputFromWindows(genesys.windows(), 20, 2, { stopped: true }).goodputOfLimit).toBe(0.5);
  });
});
