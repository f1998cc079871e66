// The ingest core's decisions that the local AWS cannot provoke on demand:
// batch planning (≤10 entries, ≤256 KiB, one entry per conversation per batch),
// retries of failed entries without reordering a conversation, 503 when the
// queue keeps failing or the secrets cannot be read, never a 500. The SQS
// client is a stub here (pure logic); test/integration/messaging-ingest.test.ts
// runs the same code through the bundle against the local AWS.
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WEBHOOK_BYTES, type InboundMessage } from '../../shared/messaging/contract';
import { EnqueueFailedError, type FifoEntry, MAX_BATCH_BYTES, enqueueAll, planBatches, sqsSafeJson } from '../../shared/messaging/ingest/enqueue';
import { fromHttpApiEvent } from '../../shared/messaging/ingest/http-api';
import { type IngestLogger, createIngest } from '../../shared/messaging/ingest/ingest';
import { readIngestConfig } from '../../shared/messaging/ingest/config';
import { isTextContentType } from '../../scripts/local/ingest-server';
import { LOCAL_WEBHOOK_SECRETS, buildLineWebhook, lineUserId, signLine, signedRequest } from '../fixtures/messaging-webhooks';

const entry = (groupId: string, n: number, bytes = 10): FifoEntry => ({ groupId, deduplicationId: `${groupId}-${n}`, body: `${n}`.padEnd(bytes, ' ') });

/** A stub SQS that records every batch it is sent and fails entries by a rule (or throws). */
function stubSqs(rule: (entry: { MessageGroupId?: string; MessageDeduplicationId?: string }, call: number) => 'ok' | 'fail' | 'throw') {
  const queue: string[] = [];
  const calls: string[][] = [];
  const sqs = {
    send: async (command: SendMessageBatchCommand) => {
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((e) => e.MessageDeduplicationId!));
      if (entries.some((e) => rule(e, calls.length) === 'throw')) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
      const failed = entries.filter((e) => rule(e, calls.length) === 'fail');
      for (const e of entries) if (!failed.includes(e)) queue.push(e.MessageDeduplicationId!);
      return { Successful: [], Failed: failed.map((e) => ({ Id: e.Id!, Code: 'InternalError', SenderFault: false })) };
    },
  } as unknown as SQSClient;
  return { sqs, queue, calls };
}

const noSleep = { sleep: async () => undefined };

describe('planBatches', () => {
  it('keeps each conversation in order across batches, one entry per conversation per batch, at most 10', () => {
    const entries = [entry('a', 1), entry('a', 2), entry('b', 1), entry('a', 3), ...Array.from({ length: 12 }, (_, i) => entry(`c${i}`, 1))];
    const batches = planBatches(entries);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(new Set(batch.map((e) => e.groupId)).size).toBe(batch.length);
    }
    const batchOf = (id: string) => batches.findIndex((b) => b.some((e) => e.deduplicationId === id));
    expect(batchOf('a-1')).toBeLessThan(batchOf('a-2'));
    expect(batchOf('a-2')).toBeLessThan(batchOf('a-3'));
    expect(batches.flat()).toHaveLength(entries.length);
  });

  it('splits by payload size and refuses one message larger than the queue takes', () => {
    const big = Array.from({ length: 4 }, (_, i) => entry(`g${i}`, i, 100 * 1024));
    const batches = planBatches(big);
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
    for (const b of batches) expect(b.reduce((n, e) => n + Buffer.byteLength(e.body), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(() => planBatches([entry('g', 1, MAX_BATCH_BYTES + 1)])).toThrow(/exceeds the queue's 262144-byte limit/);
  });
});

describe('enqueueAll', () => {
  it('resends only the failed entries and succeeds when a retry goes through', async () => {
    const { sqs, queue } = stubSqs((e, call) => (e.MessageDeduplicationId === 'b-1' && call === 1 ? 'fail' : 'ok'));
    await enqueueAll(sqs, 'q', [entry('a', 1), entry('b', 1), entry('c', 1)], noSleep);
    expect(queue.sort()).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('a conversation never overtakes its failed message: later batches wait, and a lasting failure stops the rest', async () => {
    const { sqs, queue, calls } = stubSqs((e) => (e.MessageDeduplicationId === 'a-1' ? 'fail' : 'ok'));
    const error = await enqueueAll(sqs, 'q', [entry('a', 1), entry('b', 1), entry('a', 2), entry('b', 2)], noSleep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueFailedError);
    expect(error).toMatchObject({ sent: 1, unsent: 3, codes: ['InternalError'] });
    expect(queue).toEqual(['b-1']);
    expect(calls.flat()).not.toContain('a-2');
    expect(calls).toHaveLength(3);
  });

  it('a client error (timeout, refused) is retried and then reported', async () => {
    const { sqs, calls } = stubSqs(() => 'throw');
    await expect(enqueueAll(sqs, 'q', [entry('a', 1)], noSleep)).rejects.toMatchObject({ name: 'EnqueueFailedError', codes: ['TimeoutError'] });
    expect(calls).toHaveLength(3);
  });

  it('does not start a resend that would not finish inside the invocation', async () => {
    const { sqs, calls } = stubSqs(() => 'fail');
    // Each send costs 2 s of a 5 s invocation: after the first, 3 s are left (a resend fits); after the second, 1 s.
    let remaining = 5000;
    const remainingMs = () => (remaining -= 2000);
    const error = await enqueueAll(sqs, 'q', [entry('a', 1)], { ...noSleep, attempts: 5, remainingMs, minRemainingMsToRetry: 2500 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EnqueueFailedError', codes: ['InternalError', 'NoTimeLeft'] });
    expect(calls).toHaveLength(2);
  });

  it('escapes the two characters SQS refuses that JSON.stringify leaves raw', () => {
    const json = JSON.stringify({ text: 'a\uFFFEb\uFFFF' });
    expect(sqsSafeJson(json)).toBe('{"text":"a\\ufffeb\\uffff"}');
    expect(JSON.parse(sqsSafeJson(json))).toEqual(JSON.parse(json));
  });
});

function recorder(): IngestLogger & { lines: Array<[string, string, Record<string, unknown>]> } {
  const lines: Array<[string, string, Record<string, unknown>]> = [];
  const at = (level: string) => (message: string, extra: Record<string, unknown>) => void lines.push([level, message, extra]);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const request = (path: string, body: string, headers: Record<string, string>) => ({ method: 'POST', path, query: {}, headers, body: Buffer.from(body) });

describe('createIngest', () => {
  const hook = buildLineWebhook({ userId: lineUserId(), events: [{ text: 'a' }, { text: 'b' }] });
  const signed = signedRequest('line', hook.body);

  it('the queue failing → 503 with Retry-After (never 500), logged at error', async () => {
    const { sqs } = stubSqs(() => 'fail');
    const logger = recorder();
    const ingest = createIngest({ sqs, inboundQueueUrl: 'in', outboundQueueUrl: 'out', maxWebhookBytes: DEFAULT_MAX_WEBHOOK_BYTES, secrets: async () => LOCAL_WEBHOOK_SECRETS, logger, enqueue: noSleep });
    const answer = await ingest.handle(request(signed.path, hook.body, signed.headers));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(logger.lines.some(([level, message]) => level === 'error' && message.startsWith('webhook not queued'))).toBe(true);
  });

  it('secrets unreadable → 503; an unexpected exception → 503; the body never appears in a log line', async () => {
    const { sqs } = stubSqs(() => 'ok');
    const logger = recorder();
    const base = { sqs, inboundQueueUrl: 'in', outboundQueueUrl: 'out', maxWebhookBytes: DEFAULT_MAX_WEBHOOK_BYTES, logger };
    const noSecrets = createIngest({ ...base, secrets: async () => Promise.reject(new Error('AccessDenied')) });
    expect((await noSecrets.handle(request(signed.path, hook.body, signed.headers))).statusCode).toBe(503);
    const broken = createIngest({ ...base, secrets: async () => LOCAL_WEBHOOK_SECRETS, now: () => { throw new Error('clock'); } });
    expect((await broken.handle(request(signed.path, hook.body, signed.headers))).statusCode).toBe(503);
    const ok = createIngest({ ...base, secrets: async () => LOCAL_WEBHOOK_SECRETS });
    expect((await ok.handle(request(signed.path, hook.body, signed.headers))).statusCode).toBe(200);
    expect(JSON.stringify(logger.lines)).not.toContain('"a"');
    expect(JSON.stringify(logger.lines.filter(([level]) => level !== 'debug'))).not.toContain(signed.headers['x-line-signature']);
  });

  it('invalid UTF-8 and repeated keys are 400 with the reason; the route matches behind a stage prefix', async () => {
    const { sqs, queue } = stubSqs(() => 'ok');
    const ingest = createIngest({ sqs, inboundQueueUrl: 'in', outboundQueueUrl: 'out', maxWebhookBytes: 1000, secrets: async () => LOCAL_WEBHOOK_SECRETS, logger: recorder() });
    const invalid = Buffer.concat([Buffer.from('{"events":["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
    const answer = await ingest.handle({ method: 'POST', path: '/webhooks/line', query: {}, headers: signLine(invalid, LOCAL_WEBHOOK_SECRETS.lineChannelSecret), body: invalid });
    expect(JSON.parse(answer.body)).toEqual({ error: 'malformed', reason: 'body is not valid UTF-8' });
    const repeated = '{"destination":"U","events":[],"events":[]}';
    expect(JSON.parse((await ingest.handle(request('/prod/webhooks/line', repeated, signedRequest('line', repeated).headers))).body)).toEqual({ error: 'malformed', reason: 'key "events" appears twice in one object' });
    const tooBig = JSON.stringify({ events: [], pad: 'x'.repeat(1000) });
    expect((await ingest.handle(request('/webhooks/line', tooBig, signedRequest('line', tooBig).headers))).statusCode).toBe(413);
    expect(queue).toEqual([]);
  });

  it('queues one InboundMessage JSON per message, with receivedAt from the clock', async () => {
    const sent: InboundMessage[] = [];
    const sqs = { send: async (c: SendMessageBatchCommand) => (sent.push(...(c.input.Entries ?? []).map((e) => JSON.parse(e.MessageBody!) as InboundMessage)), { Successful: [], Failed: [] }) } as unknown as SQSClient;
    const ingest = createIngest({ sqs, inboundQueueUrl: 'in', outboundQueueUrl: 'out', maxWebhookBytes: DEFAULT_MAX_WEBHOOK_BYTES, secrets: async () => LOCAL_WEBHOOK_SECRETS, logger: recorder(), now: () => new Date('2026-01-02T03:04:05.006Z') });
    const answer = await ingest.handle(request(signed.path, hook.body, signed.headers));
    expect(JSON.parse(answer.body)).toEqual({ accepted: 2, ignored: 0 });
    expect(sent.map((m) => [m.text, m.receivedAt])).toEqual([['a', '2026-01-02T03:04:05.006Z'], ['b', '2026-01-02T03:04:05.006Z']]);
  });
});

describe('routes and the WhatsApp handshake', () => {
  const { sqs } = stubSqs(() => 'ok');
  const ingest = createIngest({ sqs, inboundQueueUrl: 'in', outboundQueueUrl: 'out', maxWebhookBytes: 1000, secrets: async () => LOCAL_WEBHOOK_SECRETS, logger: recorder() });
  const get = (query: Record<string, string>) => ingest.handle({ method: 'GET', path: '/webhooks/whatsapp', query, headers: {}, body: Buffer.alloc(0) });
  const token = LOCAL_WEBHOOK_SECRETS.whatsappVerifyToken;

  it('answers the challenge only for subscribe with the right token', async () => {
    expect(await get({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '42' })).toMatchObject({ statusCode: 200, body: '42' });
    expect((await get({ 'hub.mode': 'unsubscribe', 'hub.verify_token': token, 'hub.challenge': '42' })).statusCode).toBe(403);
    expect((await get({ 'hub.mode': 'subscribe', 'hub.challenge': '42' })).statusCode).toBe(403);
    expect((await get({ 'hub.mode': 'subscribe', 'hub.verify_token': token })).statusCode).toBe(400);
    const unconfigured = createIngest({ sqs, inboundQueueUrl: 'in', outboundQueueUrl: 'out', maxWebhookBytes: 1000, secrets: async () => ({ ...LOCAL_WEBHOOK_SECRETS, whatsappVerifyToken: '' }), logger: recorder() });
    const empty = await unconfigured.handle({ method: 'GET', path: '/webhooks/whatsapp', query: { 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' }, headers: {}, body: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(403);
  });

  it('405 names the allowed methods; 404 for anything but the five webhooks', async () => {
    const put = await ingest.handle({ method: 'PUT', path: '/webhooks/whatsapp', query: {}, headers: {}, body: Buffer.alloc(0) });
    expect(put).toMatchObject({ statusCode: 405, headers: { allow: 'GET, POST' } });
    for (const path of ['/webhooks', '/webhooks/line/extra', '/other/line', '/webhooks/LINE']) {
      expect((await ingest.handle({ method: 'POST', path, query: {}, headers: {}, body: Buffer.from('{}') })).statusCode).toBe(404);
    }
  });
});

describe('payload v2 and configuration', () => {
  it('decodes a base64 body to the exact bytes', () => {
    const bytes = Buffer.from([0x7b, 0x7d, 0xff]);
    const event = { rawPath: '/webhooks/line', body: bytes.toString('base64'), isBase64Encoded: true, headers: {}, requestContext: { http: { method: 'POST' } } };
    expect(fromHttpApiEvent(event as never).body.equals(bytes)).toBe(true);
  });

  it('the local HTTP API passes text content types as text and everything else as base64, as AWS does', () => {
    for (const t of ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/ld+json', 'application/xml', 'APPLICATION/JSON']) expect(isTextContentType(t), t).toBe(true);
    for (const t of [undefined, 'application/octet-stream', 'application/x-www-form-urlencoded', 'image/png', 'multipart/form-data; boundary=x']) expect(isTextContentType(t), String(t)).toBe(false);
  });

  it('names the missing variable and refuses a cap API Gateway could never deliver', () => {
    expect(() => readIngestConfig({})).toThrow(/^INBOUND_QUEUE_URL is not set/);
    const env = { INBOUND_QUEUE_URL: 'i', OUTBOUND_QUEUE_URL: 'o', WEBHOOK_SECRETS_ARN: 'a' };
    expect(readIngestConfig(env).maxWebhookBytes).toBe(DEFAULT_MAX_WEBHOOK_BYTES);
    expect(() => readIngestConfig({ ...env, MAX_WEBHOOK_BYTES: String(20 * 1024 * 1024) })).toThrow(/MAX_WEBHOOK_BYTES=20971520 must be/);
  });
});
