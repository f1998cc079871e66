// The dispatcher on the local AWS, through the bundles that ship
// (dist/messaging-ingest behind the local HTTP API, dist/messaging-dispatcher
// on the outbound FIFO mapping), against the Genesys and platform doubles:
// a signed Genesys outbound webhook reaches the customer's platform once
// (Genesys retries and redeliveries past the FIFO window included), in order
// per conversation, every platform's refusal comes back as the right Failed
// receipt, a message that exhausts its receives is dead-lettered with its
// Failed receipt, attachments are re-hosted and fetched by the platform, and
// the platforms' echoes of what was sent are never ingested.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../../scripts/local/aws-env';
import { queueDepth } from '../../scripts/local/event-source-mapping';
import { startMessagingStack, type MessagingSession, type MessagingStackOptions } from '../../scripts/local/messaging-stack';
import { resetMoto } from '../../scripts/local/moto';
import type { InjectedFailure } from '../../scripts/local/doubles/platform-send-routes';
import { outboundDeduplicationId, outboundGroupId, type Platform } from '../../shared/messaging/contract';
import {
  buildGenesysOutboundWebhook,
  buildTelegramUpdate,
  buildViberCallback,
  buildWhatsAppWebhook,
  lineUserId,
  signedRequest,
  whatsappUserId,
  type GenesysOutboundSpec,
} from '../fixtures/messaging-webhooks';
import { drainForInspection } from './dlq';
import { localAwsEndpoint } from './local-aws';

const QUICK: MessagingStackOptions = {
  dispatcherEnv: { RETRY_BACKOFF_BASE_SECONDS: '1', RETRY_BACKOFF_CAP_SECONDS: '2' },
  mapping: { maxConcurrency: 3 },
  tokenRefreshIntervalMs: 3_600_000,
  // Nothing here comes inbound, so no forwarder instances (six cold starts of its bundle per test); the loop
  // prevention test, which shows the inbound side ingests no echo, starts them.
  forwarders: false,
};

let session: MessagingSession | undefined;
afterEach(async () => {
  await session?.stop();
  session = undefined;
});

async function fresh(options: MessagingStackOptions = {}): Promise<MessagingSession> {
  const endpoint = localAwsEndpoint();
  useLocalAws(endpoint);
  await resetMoto(endpoint);
  session = await startMessagingStack({ ...QUICK, ...options, dispatcherEnv: { ...QUICK.dispatcherEnv, ...options.dispatcherEnv } });
  return session;
}

const users: Record<Platform, () => string> = {
  line: lineUserId,
  telegram: () => String(5_000_000_000 + Math.floor(Math.random() * 1e9)),
  viber: () => `${createHash('sha256').update(String(Math.random())).digest('base64').slice(0, 22)}==`,
  whatsapp: whatsappUserId,
};

/** POSTs a signed Genesys outbound webhook to the ingest endpoint, as Genesys does; the body is returned for retries. */
async function postWebhook(s: MessagingSession, body: string): Promise<number> {
  const request = signedRequest('genesys', body);
  const response = await fetch(`${s.ingestUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  await response.text();
  return response.status;
}

async function agentSays(s: MessagingSession, spec: GenesysOutboundSpec): Promise<{ id: string; body: string }> {
  const hook = buildGenesysOutboundWebhook(spec);
  expect(await postWebhook(s, hook.body)).toBe(200);
  return { id: hook.eventIds[0]!, body: hook.body };
}

interface ReceiptSeen {
  id: string;
  status: string;
  reasons?: Array<{ code: string }>;
  channel: { to: { id: string } };
}
const receipts = (s: MessagingSession) => s.genesys.receipts().map((r) => r.body as ReceiptSeen);

describe('delivery once, in order', () => {
  it('delivers a signed agent reply once, with one Delivered receipt, though Genesys retries the webhook and SQS redelivers it past the FIFO window', async () => {
    const s = await fresh();
    const user = lineUserId();
    const { id, body } = await agentSays(s, { toId: `line:${user}`, text: 'Your parcel left the depot' });
    // Genesys's retries (same id, same bytes) within its ~85 s.
    expect(await postWebhook(s, body)).toBe(200);
    expect(await postWebhook(s, body)).toBe(200);
    await s.drained();
    // Past SQS's 5-minute deduplication window: a new deduplication id, the same Genesys message.
    await new SQSClient({}).send(
      new SendMessageCommand({ QueueUrl: s.stack.queues.outbound.url, MessageBody: body, MessageGroupId: outboundGroupId(`line:${user}`), MessageDeduplicationId: `${outboundDeduplicationId(id)}-later` }),
    );
    await s.drained();
    expect(s.platform.sent().map((m) => [m.platform, m.to, m.text])).toEqual([['line', user, 'Your parcel left the depot']]);
    expect(receipts(s)).toEqual([expect.objectContaining({ id, status: 'Delivered', channel: expect.objectContaining({ to: expect.objectContaining({ id: `line:${user}` }) }) })]);
    expect(s.outboundTally()).toMatchObject({ delivered: 1, duplicatesDropped: 1, deadLettered: 0 });
  });

  it('keeps each conversation in the order the agent typed, across platforms and concurrent instances', async () => {
    const s = await fresh({ mapping: { maxConcurrency: 4 } });
    const conversations = (['line', 'whatsapp', 'viber', 'telegram', 'line', 'whatsapp'] as const).map((platform) => ({ platform, user: users[platform]() }));
    const perConversation = 4;
    const posts: Array<Promise<unknown>> = [];
    for (let n = 0; n < perConversation; n++) {
      // Each conversation's replies are posted in order; conversations interleave and run concurrently.
      for (const c of conversations) posts.push(agentSays(s, { toId: `${c.platform}:${c.user}`, text: `${c.user} #${n}` }));
      await Promise.all(posts.splice(0));
    }
    await s.drained();
    for (const c of conversations) {
      expect(s.platform.sent().filter((m) => m.to === c.user).map((m) => m.text), `${c.platform}:${c.user}`).toEqual(Array.from({ length: perConversation }, (_, n) => `${c.user} #${n}`));
    }
    expect(s.platform.sent()).toHaveLength(conversations.length * perConversation);
    expect(receipts(s).filter((r) => r.status === 'Delivered')).toHaveLength(conversations.length * perConversation);
  });
});

describe('receipts from the platforms answers', () => {
  const cases: Array<[Platform, InjectedFailure, string]> = [
    ['line', 'invalid', 'InvalidDestination'],
    ['telegram', 'blocked', 'RecipientOptedOut'],
    ['telegram', 'invalid', 'InvalidDestination'],
    ['viber', 'blocked', 'RecipientOptedOut'],
    ['viber', 'invalid', 'InvalidDestination'],
    ['whatsapp', 'invalid', 'InvalidDestination'],
    ['whatsapp', 'blocked', 'RecipientOptedOut'],
  ];
  it("turns each platform's refusal into a Failed receipt with the platform's reason, sends nothing and dead-letters nothing", async () => {
    const s = await fresh();
    const expected = new Map<string, string>();
    for (const [platform, failure, code] of cases) {
      const user = users[platform]();
      s.platform.failSends(platform, user, failure);
      const { id } = await agentSays(s, { toId: `${platform}:${user}`, text: 'Are you there?' });
      expected.set(id, code);
    }
    await s.drained();
    expect(s.platform.sent()).toEqual([]);
    const seen = new Map(receipts(s).map((r) => [r.id, `${r.status}:${r.reasons?.[0]?.code}`]));
    expect(seen).toEqual(new Map([...expected].map(([id, code]) => [id, `Failed:${code}`])));
    expect((await queueDepth(new SQSClient({}), s.stack.queues.outbound.dlq.url)).visible).toBe(0);
  });

  it('holds a throttled send by visibility and delivers it later (platform 429 → retry, not a failure)', async () => {
    const s = await fresh({ platformSendLimits: { whatsapp: 2 } });
    const sent = Array.from({ length: 6 }, () => whatsappUserId());
    for (const user of sent) await agentSays(s, { toId: `whatsapp:${user}`, text: 'hello' });
    await s.drained();
    expect(new Set(s.platform.sent().map((m) => m.to))).toEqual(new Set(sent));
    expect(receipts(s).every((r) => r.status === 'Delivered')).toBe(true);
  });

  it('dead-letters a message the platform keeps failing, with its Failed receipt (the agent sees it)', async () => {
    const s = await fresh({ overrides: { messaging_max_receive_count: 2 } });
    const user = users.telegram();
    s.platform.failSends('telegram', user, 'server-error');
    const { id } = await agentSays(s, { toId: `telegram:${user}`, text: 'your refund is on its way' });
    await s.drained();
    expect(receipts(s)).toEqual([expect.objectContaining({ id, status: 'Failed', reasons: [expect.objectContaining({ code: 'GeneralError' })] })]);
    const dead = await drainForInspection(s.stack.queues.outbound.dlq.url);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.MessageAttributes?.errorClass?.StringValue).toBe('platform-retries-exhausted');
    expect(JSON.parse(dead[0]!.Body!).id).toBe(id);
    // The platform heals and the operator redrives (same body and group, a new deduplication id, as the redrive
    // workflow sends it): the customer gets the message once and the agent's Failed is followed by Delivered.
    s.platform.failSends('telegram', user, null);
    await new SQSClient({}).send(
      new SendMessageCommand({ QueueUrl: s.stack.queues.outbound.url, MessageBody: dead[0]!.Body!, MessageGroupId: outboundGroupId(`telegram:${user}`), MessageDeduplicationId: `${outboundDeduplicationId(id)}-redrive` }),
    );
    await s.drained();
    expect(s.platform.sent().map((m) => [m.to, m.text])).toEqual([[user, 'your refund is on its way']]);
    expect(receipts(s).map((r) => [r.id, r.status])).toEqual([
      [id, 'Failed'],
      [id, 'Delivered'],
    ]);
  });
});

describe('other types and attachments', () => {
  it('forwards typing where the platform has it, records Genesys receipts and acknowledges unknown types, sending nothing', async () => {
    const s = await fresh();
    const tg = users.telegram();
    const wa = whatsappUserId();
    await agentSays(s, { toId: `telegram:${tg}`, type: 'Event', typingDurationMs: 3000 });
    await agentSays(s, { toId: `whatsapp:${wa}`, type: 'Event' });
    await agentSays(s, { toId: `telegram:${tg}`, type: 'Receipt', receipt: { status: 'Failed', reasons: [{ code: 'GeneralError', message: 'x' }] } });
    await agentSays(s, { toId: `telegram:${tg}`, type: 'Structured' });
    await s.drained();
    expect(s.platform.typing()).toEqual([expect.objectContaining({ platform: 'telegram', to: tg })]);
    expect(s.platform.sent()).toEqual([]);
    expect(receipts(s)).toEqual([]);
    expect(s.outboundTally()).toMatchObject({ typingForwarded: 1, acknowledged: 3, deadLettered: 0 });
  });

  it("re-hosts an agent's attachment in S3 and the platform fetches the same bytes from the pre-signed URL", async () => {
    const bytes = Buffer.alloc(300_000, 42);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(bytes.length) });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const s = await fresh();
      const genesysDownload = `http://127.0.0.1:${(server.address() as AddressInfo).port}/download/invoice.pdf`;
      const user = whatsappUserId();
      await agentSays(s, { toId: `whatsapp:${user}`, text: 'Your invoice', attachments: [{ mediaType: 'File', url: genesysDownload, mime: 'application/pdf', filename: 'invoice.pdf' }] });
      await s.drained();
      const sent = s.platform.sent();
      expect(sent.map((m) => m.text ?? m.attachments.length)).toEqual(['Your invoice', 1]);
      const attachment = sent[1]!.attachments[0]!;
      expect(attachment).toMatchObject({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      expect(attachment.url).not.toContain('/download/invoice.pdf');
      expect(receipts(s)).toEqual([expect.objectContaining({ status: 'Delivered' })]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('loop prevention', () => {
  it("never ingests the platforms' echoes of what the gateway sent (WhatsApp statuses, Telegram bot messages, Viber delivered/seen)", async () => {
    const s = await fresh({ forwarders: true });
    const wa = whatsappUserId();
    const tg = users.telegram();
    const vb = users.viber();
    for (const toId of [`whatsapp:${wa}`, `telegram:${tg}`, `viber:${vb}`]) await agentSays(s, { toId, text: 'from the agent' });
    await s.drained();
    expect(s.platform.sent()).toHaveLength(3);
    // What each platform sends back about those messages.
    const echoes: Array<[Platform, string]> = [
      ['whatsapp', buildWhatsAppWebhook({ statuses: [{ recipientId: wa, status: 'sent' }, { recipientId: wa, status: 'delivered' }] }).body],
      ['telegram', buildTelegramUpdate({ chatId: Number(tg), isBot: true, text: 'from the agent' }).body],
      ['viber', buildViberCallback({ event: 'delivered', userId: vb }).body],
      ['viber', buildViberCallback({ event: 'seen', userId: vb }).body],
    ];
    for (const [platform, body] of echoes) {
      const request = signedRequest(platform, body);
      const response = await fetch(`${s.ingestUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
      expect(response.status, platform).toBe(200);
    }
    await s.drained();
    expect(s.genesys.inbound()).toEqual([]);
    expect((await s.summary()).received).toBe(0);
  });
});
