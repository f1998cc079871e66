// The ingest endpoint on the local AWS, through the bundle that ships
// (dist/messaging-ingest) behind the local HTTP API server, with real HTTP
// requests, real FIFO queues and a real Secrets Manager secret.
import { request as httpRequest } from 'node:http';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../../scripts/local/aws-env';
import { type IngestServer, startIngestServer } from '../../scripts/local/ingest-server';
import { resetMoto } from '../../scripts/local/moto';
import { type LocalMessagingQueues, provisionMessagingQueues, provisionWebhookSecrets, webhookSecretsName } from '../../scripts/local/provision-messaging';
import {
  DEFAULT_MAX_WEBHOOK_BYTES,
  type InboundMessage,
  MESSAGING_ENV,
  inboundDeduplicationId,
  inboundGroupId,
  outboundDeduplicationId,
  outboundGroupId,
} from '../../shared/messaging/contract';
import {
  LOCAL_WEBHOOK_SECRETS,
  type WebhookTarget,
  buildGenesysOutboundWebhook,
  buildLineWebhook,
  buildTelegramUpdate,
  buildViberCallback,
  buildWhatsAppWebhook,
  lineUserId,
  signWhatsApp,
  signedRequest,
  whatsappUserId,
} from '../fixtures/messaging-webhooks';
import { localAwsEndpoint } from './local-aws';

const PREFIX = 'ingest-test';
let queues: LocalMessagingQueues;
let env: Record<string, string>;
let server: IngestServer;
const extraServers: IngestServer[] = [];
const sqs = () => new SQSClient({});

beforeEach(async () => {
  const endpoint = localAwsEndpoint();
  useLocalAws(endpoint);
  await resetMoto(endpoint);
  queues = await provisionMessagingQueues(PREFIX);
  const secretArn = await provisionWebhookSecrets(webhookSecretsName(PREFIX), LOCAL_WEBHOOK_SECRETS);
  env = {
    [MESSAGING_ENV.inboundQueueUrl]: queues.inbound.url,
    [MESSAGING_ENV.outboundQueueUrl]: queues.outbound.url,
    [MESSAGING_ENV.webhookSecretsArn]: secretArn,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  server = await startIngestServer({ env });
});

afterEach(async () => {
  await server.stop();
  for (const s of extraServers.splice(0)) await s.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

async function send(target: WebhookTarget, body: string, headers?: Record<string, string>, base = server.url): Promise<Answer> {
  const req = signedRequest(target, body);
  const res = await fetch(`${base}${req.path}`, { method: 'POST', headers: headers ?? req.headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** Everything on a FIFO queue, receiving and deleting until it is empty (a group's next message shows only after the previous is deleted). */
async function drain(queueUrl: string): Promise<Message[]> {
  const client = sqs();
  const all: Message[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 30 }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    all.push(...Messages);
    await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return all;
}

const bodies = (messages: Message[]) => messages.map((m) => JSON.parse(m.Body!) as InboundMessage);

describe('LINE batch', () => {
  it('7 events → 7 FIFO messages with the contract group and deduplication ids, in order per conversation; a redelivery adds none', async () => {
    const users = [lineUserId(), lineUserId(), lineUserId()];
    const hook = buildLineWebhook({
      events: Array.from({ length: 7 }, (_, i) => (i % 3 === 1 ? { image: true as const, userId: users[i % 3] } : { text: `message ${i}`, userId: users[i % 3] })),
    });
    const first = await send('line', hook.body);
    expect(first.status).toBe(200);
    expect(first.json()).toEqual({ accepted: 7, ignored: 0 });

    const redelivery = await send('line', hook.body);
    expect(redelivery.status).toBe(200);

    const received = await drain(queues.inbound.url);
    expect(received).toHaveLength(7);
    const messages = bodies(received);
    expect(messages.map((m) => m.eventId).sort()).toEqual([...hook.eventIds].sort());
    for (const [i, m] of received.entries()) {
      const body = messages[i]!;
      expect(m.Attributes?.MessageGroupId).toBe(inboundGroupId(body));
      expect(m.Attributes?.MessageDeduplicationId).toBe(inboundDeduplicationId(body));
      expect(body).toMatchObject({ v: 1, platform: 'line' });
    }
    for (const user of users) {
      const expected = hook.eventIds.filter((_, i) => users[i % 3] === user);
      expect(messages.filter((m) => m.userId === user).map((m) => m.eventId)).toEqual(expected);
    }
    expect(messages.find((m) => m.attachments.length > 0)?.attachments[0]).toMatchObject({ mediaType: 'Image' });
  });
});

describe('signatures', () => {
  it('bad, missing, tampered or wrongly keyed signatures → 401 and nothing queued', async () => {
    const hook = buildLineWebhook({ events: [{ text: 'hi' }] });
    const good = signedRequest('line', hook.body).headers;
    const tampered = hook.body.replace('"hi"', '"ho"');
    const wrongKey = signedRequest('line', hook.body, { ...LOCAL_WEBHOOK_SECRETS, lineChannelSecret: 'not-the-secret' }).headers;
    const answers = [
      await send('line', hook.body, { 'content-type': 'application/json' }),
      await send('line', hook.body, { ...good, 'x-line-signature': 'AAAA' }),
      await send('line', tampered, good),
      await send('line', hook.body, wrongKey),
      await send('telegram', buildTelegramUpdate({ text: 'x' }).body, { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guess' }),
      await send('genesys', buildGenesysOutboundWebhook({ toId: 'u' }).body, signedRequest('whatsapp', buildGenesysOutboundWebhook({ toId: 'u' }).body).headers),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(answers[0]!.json()).toEqual({ error: 'unauthorized', reason: 'missing x-line-signature' });
    expect(await drain(queues.inbound.url)).toEqual([]);
    expect(await drain(queues.outbound.url)).toEqual([]);
  });
});

describe('secrets', () => {
  it('a platform absent from the secret is refused with 401; the others keep working', async () => {
    const { lineChannelSecret: _, ...withoutLine } = LOCAL_WEBHOOK_SECRETS;
    const arn = await provisionWebhookSecrets(`${PREFIX}/partial-webhook-secrets`, withoutLine as typeof LOCAL_WEBHOOK_SECRETS);
    const partial = await startIngestServer({ env: { ...env, [MESSAGING_ENV.webhookSecretsArn]: arn } });
    extraServers.push(partial);
    const line = await send('line', buildLineWebhook({ events: [{ text: 'hi' }] }).body, undefined, partial.url);
    expect(line.status).toBe(401);
    expect(line.json()).toEqual({ error: 'unauthorized', reason: 'lineChannelSecret is not configured' });
    expect((await send('telegram', buildTelegramUpdate({ text: 'hi' }).body, undefined, partial.url)).json()).toEqual({ accepted: 1, ignored: 0 });
    expect(bodies(await drain(queues.inbound.url)).map((m) => m.platform)).toEqual(['telegram']);
  });
});

describe('bad input', () => {
  it('a body over the cap → 413 (with a length, or streamed without one), nothing queued', async () => {
    const big = JSON.stringify({ destination: 'U0', events: [], pad: 'x'.repeat(DEFAULT_MAX_WEBHOOK_BYTES) });
    const answer = await send('line', big);
    expect(answer.status).toBe(413);

    const streamed = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}/webhooks/line`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 0; sent <= DEFAULT_MAX_WEBHOOK_BYTES; sent += chunk.length) req.write(chunk);
      req.end();
    });
    expect(streamed).toBe(413);
    expect(await drain(queues.inbound.url)).toEqual([]);
  });

  it('malformed JSON (correctly signed) → 400 naming the problem; unknown route 404; wrong method 405', async () => {
    const malformed = await send('whatsapp', '{"object":"whatsapp_business_account","entry":[');
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'malformed' });
    expect(String(malformed.json().reason)).toMatch(/^body is not JSON: /);

    const notAnObject = await send('line', '[1,2]');
    expect(notAnObject.json()).toEqual({ error: 'malformed', reason: 'body is not a JSON object' });

    const unknown = await fetch(`${server.url}/webhooks/slack`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    const wrongMethod = await fetch(`${server.url}/webhooks/line`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(await drain(queues.inbound.url)).toEqual([]);
  });
});

describe('loop prevention and other platforms', () => {
  it('a WhatsApp webhook of statuses only → 200, nothing queued', async () => {
    const hook = buildWhatsAppWebhook({ statuses: [{ recipientId: whatsappUserId() }, { recipientId: whatsappUserId(), status: 'read' }] });
    const answer = await send('whatsapp', hook.body);
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ accepted: 0, ignored: 2 });
    expect(await drain(queues.inbound.url)).toEqual([]);
  });

  it('Telegram, Viber (token beyond 2^53 kept digit for digit) and WhatsApp messages are queued; echoes are not', async () => {
    const telegram = buildTelegramUpdate({ photo: true, caption: 'receipt' });
    const echo = buildTelegramUpdate({ text: 'from our bot', isBot: true });
    const viber = buildViberCallback({ text: 'hello', messageToken: '5741311803571721087' });
    const seen = buildViberCallback({ event: 'seen' });
    const wa = buildWhatsAppWebhook({ messages: [{ from: whatsappUserId(), name: 'Ana', text: 'olá' }], statuses: [{ recipientId: whatsappUserId() }] });
    const answers = await Promise.all([send('telegram', telegram.body), send('telegram', echo.body), send('viber', viber.body), send('viber', seen.body), send('whatsapp', wa.body)]);
    expect(answers.map((a) => a.json())).toEqual([
      { accepted: 1, ignored: 0 },
      { accepted: 0, ignored: 1 },
      { accepted: 1, ignored: 0 },
      { accepted: 0, ignored: 1 },
      { accepted: 1, ignored: 1 },
    ]);
    const queued = bodies(await drain(queues.inbound.url));
    expect(queued.map((m) => m.eventId).sort()).toEqual([...telegram.eventIds, ...viber.eventIds, ...wa.eventIds].sort());
    expect(queued.find((m) => m.platform === 'viber')?.eventId).toBe('5741311803571721087');
    expect(queued.find((m) => m.platform === 'whatsapp')?.nickname).toBe('Ana');
    expect(queued.find((m) => m.platform === 'telegram')?.attachments[0]?.ref).toBe(telegram.largestPhotoFileId);
  });

  it('WhatsApp verification handshake: the challenge as text/plain with the right token, 403 otherwise', async () => {
    const ok = await fetch(`${server.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${LOCAL_WEBHOOK_SECRETS.whatsappVerifyToken}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(`${server.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(wrong.status).toBe(403);
  });
});

describe('the local HTTP API', () => {
  it('passes a non-text content type base64-encoded, and the signature still holds on the exact bytes', async () => {
    const hook = buildWhatsAppWebhook({ messages: [{ from: whatsappUserId(), text: 'olá 👋' }] });
    const { headers } = signedRequest('whatsapp', hook.body);
    const binary = await send('whatsapp', hook.body, { ...headers, 'Content-Type': 'application/octet-stream' });
    expect(binary.json()).toEqual({ accepted: 1, ignored: 0 });
    expect(bodies(await drain(queues.inbound.url)).map((m) => m.text)).toEqual(['olá 👋']);

    // Bytes that are not UTF-8: base64 keeps them exact, so the signature holds and the parse names the problem.
    const invalid = Buffer.concat([Buffer.from('{"object":"whatsapp_business_account","entry":["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
    const res = await fetch(`${server.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...signWhatsApp(invalid, LOCAL_WEBHOOK_SECRETS.whatsappAppSecret) }, body: invalid });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'malformed', reason: 'body is not valid UTF-8' });
  });
});

describe('Genesys outbound webhook', () => {
  it('is queued raw on the outbound FIFO, grouped by end user, deduplicated by Genesys id (a retry adds nothing)', async () => {
    const hook = buildGenesysOutboundWebhook({ toId: 'line:Uabc', text: 'How can I help?' });
    expect((await send('genesys', hook.body)).json()).toEqual({ accepted: 1, ignored: 0 });
    expect((await send('genesys', hook.body)).status).toBe(200);
    const [message, ...rest] = await drain(queues.outbound.url);
    expect(rest).toEqual([]);
    expect(message!.Body).toBe(hook.body);
    expect(message!.Attributes?.MessageGroupId).toBe(outboundGroupId('line:Uabc'));
    expect(message!.Attributes?.MessageDeduplicationId).toBe(outboundDeduplicationId(hook.eventIds[0]!));
    expect(await drain(queues.inbound.url)).toEqual([]);
  });

  it('without channel.to.id → 400 naming the field', async () => {
    const body = JSON.stringify({ id: 'g1', channel: { id: 'i' }, type: 'Text', text: 'x', direction: 'Outbound' });
    const answer = await send('genesys', body);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ error: 'malformed', reason: 'missing field channel.to.id' });
  });
});

describe('queue unreachable', () => {
  it('→ 503 with Retry-After and nothing half-queued; the resend after recovery is queued whole', async () => {
    const missing = queues.inbound.url.replace(`${PREFIX}-inbound.fifo`, `${PREFIX}-gone.fifo`);
    const broken = await startIngestServer({ env: { ...env, [MESSAGING_ENV.inboundQueueUrl]: missing } });
    extraServers.push(broken);
    const hook = buildLineWebhook({ events: Array.from({ length: 12 }, (_, i) => ({ text: `m${i}`, userId: i % 2 ? lineUserId() : undefined })) });
    const answer = await send('line', hook.body, undefined, broken.url);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.json()).toMatchObject({ error: 'unavailable' });
    expect(await drain(queues.inbound.url)).toEqual([]);

    expect((await send('line', hook.body)).json()).toEqual({ accepted: 12, ignored: 0 });
    expect(bodies(await drain(queues.inbound.url)).map((m) => m.eventId).sort()).toEqual([...hook.eventIds].sort());
  });
});
