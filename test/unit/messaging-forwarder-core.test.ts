// Pure logic of the forwarder: the rate limiter's arithmetic, the token
// refresh decision and the 401 path, Genesys answer classification, and the
// Open Messaging mapping.
import { describe, expect, it } from 'vitest';
import { PermanentEventError } from '../../shared/resilience/errors';
import { retryHint } from '../../shared/resilience/retry-hint';
import { GenesysCallError, classifyGenesysAnswer, isGenesysOutage, throwUnlessAccepted } from '../../shared/messaging/genesys/answer';
import { RateLimitedLocallyError } from '../../shared/messaging/genesys/client';
import { GENESYS_MAX_REQUEST_BYTES, inboundMessagePath, serialiseOpenMessage, toOpenMessage } from '../../shared/messaging/genesys/open-message';
import { SharedToken, refreshDecision, type StoredToken, type TokenStore } from '../../shared/messaging/genesys/token';
import { DynamoRateLimiter, gcraDecide, pausedTat, perMinuteSettings, type RateLimitSettings } from '../../shared/messaging/rate-limit';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MESSAGING_VARIABLES_FILE } from '../../scripts/local/provision-messaging';
import { readVariableDefaults } from '../../shared/config/stack-spec';
import { FORWARDER_DEFAULTS, readForwarderConfig } from '../../shared/messaging/forwarder/config';
import { createStoreBreaker } from '../../shared/resilience/circuit-breaker';
import { modeOf } from '../../shared/messaging/forwarder/forwarder';
import { parseInboundMessage } from '../../shared/messaging/forwarder/inbound-message';
import type { SQSRecord } from 'aws-lambda';
import { inboundMessage } from '../fixtures/inbound-messages';

const headers = (h: Record<string, string> = {}) => new Headers(h);

describe('rate limiter (GCRA)', () => {
  const settings: RateLimitSettings = { ratePerSecond: 5, burst: 3, maxWaitMs: 1000 };

  it('grants a burst at once, then paces at the rate', () => {
    let tat: number | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = gcraDecide(tat, 0, settings);
      expect(d.granted).toBe(true);
      waits.push(d.waitMs);
      tat = d.newTat;
    }
    expect(waits).toEqual([0, 0, 0, 200, 400, 600]);
  });

  it('refuses when the wait would pass maxWait, and names when to come back', () => {
    const d = gcraDecide(10_000, 0, settings);
    expect(d.granted).toBe(false);
    expect(d.waitMs).toBe(10_000 + 200 - 600);
  });

  it('refills with idle time, never beyond the burst', () => {
    const after = gcraDecide(1_000, 60_000, settings);
    expect(after.waitMs).toBe(0);
    expect(after.newTat).toBe(60_200);
  });

  it('a pause lets nobody through before it ends, and the first request right at its end', () => {
    const tat = pausedTat(5_000, settings);
    expect(gcraDecide(tat, 4_000, { ...settings, maxWaitMs: 0 }).granted).toBe(false);
    expect(gcraDecide(tat, 4_000, { ...settings, maxWaitMs: 10_000 }).waitMs).toBe(1_000);
    expect(gcraDecide(tat, 5_000, settings).waitMs).toBe(0);
  });

  it('per-minute settings keep any 60 s window (fixed or sliding) within the limit', () => {
    for (const limit of [1, 5, 30, 300, 1_000]) {
      const s = perMinuteSettings(limit, 1_000_000);
      // Greedy senders: every request goes at the earliest time the limiter allows.
      const sent: number[] = [];
      let tat: number | undefined;
      let now = 0;
      while (now < 300_000) {
        const d = gcraDecide(tat, now, s);
        tat = d.newTat;
        now += d.waitMs;
        sent.push(now);
      }
      let worst = 0;
      for (let i = 0, j = 0; i < sent.length; i++) {
        while (sent[i]! - sent[j]! >= 60_000) j++;
        worst = Math.max(worst, i - j + 1);
      }
      expect(worst, `limit ${limit}/min`).toBeLessThanOrEqual(limit);
      // and uses most of it (goodput): at least 80% for tiny limits, 95% from 300/min on
      const steady = sent.filter((t) => t >= 60_000 && t < 240_000).length / 3;
      expect(steady / limit, `limit ${limit}/min`).toBeGreaterThanOrEqual(limit >= 300 ? 0.95 : 0.8);
    }
  });

  it('waits until the reserved slot, not a whole wait after the bucket write returned', async () => {
    let clock = 0;
    // Each conditional write takes 40 ms of the clock.
    const client = { send: async () => void (clock += 40) } as unknown as DynamoDBDocumentClient;
    const limiter = new DynamoRateLimiter({ client, table: 'state', bucket: 'platform:line', settings: { ratePerSecond: 5, burst: 1, maxWaitMs: 1000 }, now: () => clock });
    expect(await limiter.acquire()).toEqual({ granted: true, waitMs: 0 });
    // Decided at 40 ms for the slot at 200 ms; the write returns at 80 ms: 120 ms left to wait.
    expect(await limiter.acquire()).toEqual({ granted: true, waitMs: 120 });
  });

  it('refuses grants larger than the burst', () => {
    expect(() => gcraDecide(undefined, 0, settings, 4)).toThrow(/1..burst/);
  });
});

describe('token refresh decision', () => {
  const hour = 3_600_000;
  it('refreshes a missing, expired or nearly expired token', () => {
    expect(refreshDecision(undefined, 0).refresh).toBe(true);
    expect(refreshDecision({ accessToken: 't', expiresAt: 10 }, 10).refresh).toBe(true);
    expect(refreshDecision({ accessToken: 't', expiresAt: hour - 1 }, 0).refresh).toBe(true);
  });
  it('keeps a 24 h token until a third of its lifetime is left', () => {
    const token: StoredToken = { accessToken: 't', issuedAt: 0, expiresAt: 24 * hour };
    expect(refreshDecision(token, 15 * hour).refresh).toBe(false);
    expect(refreshDecision(token, 16 * hour + 1).refresh).toBe(true);
  });
  it('a token with no issue time is kept until an hour is left', () => {
    expect(refreshDecision({ accessToken: 't', expiresAt: 5 * hour }, 0).refresh).toBe(false);
  });
});

describe('shared token', () => {
  function fakeStore(initial: StoredToken | undefined) {
    let stored = initial;
    let logins = 0;
    const store: TokenStore & { logins(): number; set(t: StoredToken): void } = {
      read: async () => stored,
      refresh: async (replacing) => {
        if (stored && stored.accessToken !== replacing && stored.expiresAt > Date.now() + 120_000) return stored;
        logins += 1;
        stored = { accessToken: `token-${logins}`, expiresAt: Date.now() + 3_600_000 };
        return stored;
      },
      logins: () => logins,
      set: (t) => {
        stored = t;
      },
    };
    return store;
  }

  it('reads the stored token once and serves it from memory', async () => {
    const store = fakeStore({ accessToken: 'a', expiresAt: Date.now() + 3_600_000 });
    const token = new SharedToken(store);
    expect(await token.current()).toBe('a');
    store.set({ accessToken: 'b', expiresAt: Date.now() + 3_600_000 });
    expect(await token.current()).toBe('a');
    expect(store.logins()).toBe(0);
  });

  it('after a 401 takes a token the refresher already replaced, without logging in', async () => {
    const store = fakeStore({ accessToken: 'a', expiresAt: Date.now() + 3_600_000 });
    const token = new SharedToken(store);
    await token.current();
    store.set({ accessToken: 'b', expiresAt: Date.now() + 3_600_000 });
    expect(await token.afterUnauthorized('a')).toBe('b');
    expect(store.logins()).toBe(0);
  });

  it('after a 401 on the stored token logs in once', async () => {
    const store = fakeStore({ accessToken: 'a', expiresAt: Date.now() + 3_600_000 });
    const token = new SharedToken(store);
    await token.current();
    expect(await token.afterUnauthorized('a')).toBe('token-1');
    expect(store.logins()).toBe(1);
  });

  it('logs in when nothing usable is stored', async () => {
    const store = fakeStore({ accessToken: 'old', expiresAt: Date.now() + 30_000 });
    expect(await new SharedToken(store).current()).toBe('token-1');
  });
});

describe('Genesys answer classification', () => {
  it('2xx is accepted with the Genesys ids', () => {
    expect(classifyGenesysAnswer(200, headers(), JSON.stringify({ id: 'g1', conversationId: 'c1' }))).toEqual({
      kind: 'accepted',
      status: 200,
      genesysMessageId: 'g1',
      conversationId: 'c1',
    });
  });

  it('429 carries Retry-After, and its error holds the record that long', () => {
    const answer = classifyGenesysAnswer(429, headers({ 'retry-after': '17' }), '{"code":"too.many.requests.retry.after"}');
    expect(answer).toEqual({ kind: 'rate-limited', status: 429, retryAfterSeconds: 17 });
    const error = (() => {
      try {
        throwUnlessAccepted(answer);
      } catch (e) {
        return e;
      }
    })();
    expect(isGenesysOutage(error)).toBe(false);
    const hint = retryHint(error, { attempt: 1, policy: { baseSeconds: 1, capSeconds: 300 }, circuitOpen: false, halfOpenAfterSeconds: 10, inProgressLockSeconds: 30 });
    expect(hint).toEqual({ seconds: 17, reason: 'retry-after' });
  });

  it('a local rate-limit refusal holds the record for its wait, rounded up to a second', () => {
    const hint = retryHint(new RateLimitedLocallyError(2_300), { attempt: 3, policy: { baseSeconds: 1, capSeconds: 300 }, circuitOpen: false, halfOpenAfterSeconds: 10, inProgressLockSeconds: 30 });
    expect(hint).toEqual({ seconds: 3, reason: 'retry-after' });
  });

  it('400, 404 and 413 are permanent with their own reasons; Genesys code and contextId kept', () => {
    const body = JSON.stringify({ message: 'channel.from.idType: invalid', code: 'bad.request', status: 400, contextId: 'ctx-1' });
    const a400 = classifyGenesysAnswer(400, headers(), body);
    expect(a400).toMatchObject({ kind: 'permanent', reason: 'genesys-rejected' });
    expect(a400.kind === 'permanent' && a400.detail).toContain('bad.request');
    expect(a400.kind === 'permanent' && a400.detail).toContain('ctx-1');
    expect(classifyGenesysAnswer(404, headers(), '')).toMatchObject({ kind: 'permanent', reason: 'genesys-not-found' });
    expect(classifyGenesysAnswer(413, headers(), '')).toMatchObject({ kind: 'permanent', reason: 'genesys-too-large' });
    expect(() => throwUnlessAccepted(a400)).toThrow(PermanentEventError);
  });

  it('5xx and 408 are transient and count as an outage; 401 asks for the token', () => {
    for (const status of [500, 502, 503, 408]) {
      const answer = classifyGenesysAnswer(status, headers(), '');
      expect(answer.kind).toBe('transient');
      let thrown: unknown;
      try {
        throwUnlessAccepted(answer);
      } catch (e) {
        thrown = e;
      }
      expect(isGenesysOutage(thrown)).toBe(true);
    }
    expect(classifyGenesysAnswer(401, headers(), '').kind).toBe('unauthorized');
    expect(isGenesysOutage(new GenesysCallError('no answer', undefined))).toBe(true);
  });
});

describe('Open Messaging mapping', () => {
  it('maps a text message with a stable, platform-scoped from.id', () => {
    const message = inboundMessage({ platform: 'viber', userId: 'abc==', messageId: '5745139472935372800', nickname: ' Mika ', time: '2026-11-29T08:00:01Z', text: 'hi' });
    expect(toOpenMessage(message, [])).toEqual({
      channel: { from: { id: 'viber:abc==', idType: 'Opaque', nickname: 'Mika' }, time: '2026-11-29T08:00:01.000Z', messageId: '5745139472935372800' },
      text: 'hi',
    });
  });

  it('carries attachments as content[].attachment with the pre-signed URL', () => {
    const message = inboundMessage({ text: '', attachments: [{ mediaType: 'Image', ref: 'x', mime: 'image/png' }] });
    const body = toOpenMessage(message, [{ mediaType: 'Image', url: 'https://bucket.example/a?X-Amz-Signature=1', mime: 'image/png', filename: 'a.png' }]);
    expect(body.text).toBeUndefined();
    expect(body.content).toEqual([{ attachment: { mediaType: 'Image', url: 'https://bucket.example/a?X-Amz-Signature=1', mime: 'image/png', filename: 'a.png' } }]);
  });

  it('posts to the per-integration inbound path, not the deprecated one', () => {
    expect(inboundMessagePath('3f1c0000-0000-4000-8000-000000000001')).toBe('/api/v2/conversations/messages/3f1c0000-0000-4000-8000-000000000001/inbound/open/message');
  });

  it('a message with nothing for an agent, or a bad time, is permanent', () => {
    expect(() => toOpenMessage(inboundMessage({ text: '' }), [])).toThrow(expect.objectContaining({ reason: 'invalid-message' }));
    expect(() => toOpenMessage(inboundMessage({ time: 'yesterday' }), [])).toThrow(expect.objectContaining({ reason: 'invalid-message' }));
  });

  it('long text is sent whole; only a body over request.bytes.max is refused', () => {
    const long = toOpenMessage(inboundMessage({ text: 'x'.repeat(5_000) }), []);
    expect(JSON.parse(serialiseOpenMessage(long)).text).toHaveLength(5_000);
    const huge = toOpenMessage(inboundMessage({ text: 'x'.repeat(GENESYS_MAX_REQUEST_BYTES) }), []);
    expect(() => serialiseOpenMessage(huge)).toThrow(expect.objectContaining({ reason: 'message-too-large' }));
  });
});

describe('forwarder settings', () => {
  it('code defaults are the messaging-gateway module defaults (one source of truth)', async () => {
    const valueOf = await readVariableDefaults(MESSAGING_VARIABLES_FILE);
    for (const [name, value] of Object.entries(FORWARDER_DEFAULTS)) expect(value, name).toBe(valueOf(name));
    const config = readForwarderConfig({
      INBOUND_QUEUE_URL: 'q', MAINTENANCE_QUEUE_URL: 'm', INBOUND_DLQ_URL: 'd', MESSAGING_STATE_TABLE: 't', ATTACHMENT_BUCKET: 'b',
      GENESYS_API_URL: 'https://api.example', GENESYS_TOKEN_SECRET_ARN: 'arn:t', PLATFORM_CREDENTIALS_SECRET_ARN: 'arn:p', GENESYS_INTEGRATION_ID: 'i',
    });
    expect(config.breaker).toMatchObject({ failureThreshold: 0.1, windowSeconds: 30, halfOpenAfterSeconds: 10 });
    expect(config.rateLimitPerMinute).toBe(300);
  });

  it('a malformed setting stops the cold start naming the variable', () => {
    expect(() => readForwarderConfig({ INBOUND_QUEUE_URL: 'q' })).toThrow(/MAINTENANCE_QUEUE_URL is not set/);
  });

  it('waits for a Genesys slot as long as every instance sharing the bucket can queue ahead (GENESYS_RATE_LIMIT_SHARERS)', async () => {
    const env = {
      INBOUND_QUEUE_URL: 'q', MAINTENANCE_QUEUE_URL: 'm', INBOUND_DLQ_URL: 'd', MESSAGING_STATE_TABLE: 't', ATTACHMENT_BUCKET: 'b',
      GENESYS_API_URL: 'https://api.example', GENESYS_TOKEN_SECRET_ARN: 'arn:t', PLATFORM_CREDENTIALS_SECRET_ARN: 'arn:p', GENESYS_INTEGRATION_ID: 'i',
    };
    // The module's defaults: forwarder 5 on each of two mappings + dispatcher 5 = 15 instances, 200 ms apart at 300/min.
    const valueOf = await readVariableDefaults(MESSAGING_VARIABLES_FILE);
    const sharers = 2 * Number(valueOf('forwarder_maximum_concurrency')) + Number(valueOf('dispatcher_maximum_concurrency'));
    expect(readForwarderConfig(env).rateLimitMaxWaitMs).toBe(sharers * 200);
    expect(readForwarderConfig({ ...env, GENESYS_RATE_LIMIT_SHARERS: '20' }).rateLimitMaxWaitMs).toBe(4_000);
    // Capped so a batch of 10 still fits the function's timeout; a wider fleet then holds by visibility.
    expect(readForwarderConfig({ ...env, GENESYS_RATE_LIMIT_SHARERS: '100' }).rateLimitMaxWaitMs).toBe(5_000);
    expect(() => readForwarderConfig({ ...env, GENESYS_RATE_LIMIT_SHARERS: 'many' })).toThrow(/GENESYS_RATE_LIMIT_SHARERS=many/);
  });
});

describe('breaker refusal check', () => {
  it('refuses while open, lets the probe through after the half-open delay', async () => {
    const breaker = createStoreBreaker({ failureThreshold: 0.1, windowSeconds: 10, minimumRps: 0.1, halfOpenAfterSeconds: 1 }, () => true, () => undefined);
    for (let i = 0; i < 3; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
    expect(breaker.refusing()).toBe(true);
    expect(breaker.refusing(Date.now() + 1_500)).toBe(false);
  });
});

describe('queue body and mode', () => {
  it('reads an InboundMessage back, refusing anything else as invalid-message', () => {
    const message = inboundMessage({ platform: 'telegram', text: 'hi' });
    expect(parseInboundMessage(JSON.stringify(message))).toEqual(message);
    expect(() => parseInboundMessage('{')).toThrow(expect.objectContaining({ reason: 'invalid-message' }));
    expect(() => parseInboundMessage(JSON.stringify({ ...message, platform: 'icq' }))).toThrow(/platform/);
    expect(() => parseInboundMessage(JSON.stringify({ ...message, eventId: 12 }))).toThrow(/eventId/);
  });

  it('records of the maintenance queue are drained, all others forwarded', () => {
    const config = { maintenanceQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/genesys-messaging-maintenance.fifo' };
    const record = (arn: string) => ({ eventSourceARN: arn }) as SQSRecord;
    expect(modeOf(record('arn:aws:sqs:eu-west-1:123456789012:genesys-messaging-maintenance.fifo'), config)).toBe('drain');
    expect(modeOf(record('arn:aws:sqs:eu-west-1:123456789012:genesys-messaging-inbound.fifo'), config)).toBe('inbound');
  });
});
