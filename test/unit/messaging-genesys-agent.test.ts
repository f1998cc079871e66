// The Genesys double's agent over real HTTP, against a loopback stand-in for
// the gateway's webhook that checks what the ingest endpoint checks (the
// signature with the ingest's verifier, the two fields it queues by): each
// accepted customer message gets a signed outbound webhook in the real shape,
// in order per conversation (the next only after the previous one's answer),
// resent after a 5xx, sent twice with the same id when retried, and its
// attachment downloadable from the double with the bytes the reply names.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { agentAnswers, shareOf } from '../../scripts/local/doubles/genesys-agent';
import { startGenesysDouble, type GenesysDouble } from '../../scripts/local/doubles/genesys-double';
import { mediaDigest } from '../../scripts/local/doubles/media-bytes';
import { readGenesysOutbound, verifyGenesysSignature } from '../../shared/messaging/genesys-webhook';
import { serialiseOpenMessage, toOpenMessage } from '../../shared/messaging/genesys/open-message';
import { inboundMessage } from '../fixtures/inbound-messages';

const CLIENT = { clientId: 'client-1', clientSecret: 'client-secret', integrationId: 'integration-1' };
const SECRET = 'outbound-webhook-secret';

interface Arrival {
  rawBody: Buffer;
  headers: IncomingMessage['headers'];
  arrivedAt: number;
  answeredAt?: number;
  status: number;
}

/** The gateway's webhook, as far as Genesys can tell: 200 after `delayMs`, or the status `answer` picks. */
async function startWebhookSink(answer: (body: Record<string, unknown>, nth: number) => { status: number; delayMs?: number }) {
  const arrivals: Arrival[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrival: Arrival = { rawBody: Buffer.concat(chunks), headers: req.headers, arrivedAt: Date.now(), status: 0 };
      arrivals.push(arrival);
      const decision = answer(JSON.parse(arrival.rawBody.toString('utf8')) as Record<string, unknown>, arrivals.length);
      setTimeout(() => {
        arrival.status = decision.status;
        arrival.answeredAt = Date.now();
        res.writeHead(decision.status, { 'content-type': 'application/json' }).end('{}');
      }, decision.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/genesys`,
    arrivals,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let genesys: GenesysDouble | undefined;
let sink: Awaited<ReturnType<typeof startWebhookSink>> | undefined;
afterEach(async () => {
  await genesys?.stop();
  await sink?.stop();
  genesys = undefined;
  sink = undefined;
});

async function customerWrites(double: GenesysDouble, token: string, userId: string, text: string): Promise<string> {
  const message = inboundMessage({ platform: 'line', userId, text });
  const response = await fetch(`${double.url}/api/v2/conversations/messages/${CLIENT.integrationId}/inbound/open/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: serialiseOpenMessage(toOpenMessage(message, [])),
  });
  expect(response.status).toBe(200);
  return message.messageId;
}

async function login(double: GenesysDouble): Promise<string> {
  const response = await fetch(`${double.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

const bodyOf = (a: Arrival) => JSON.parse(a.rawBody.toString('utf8')) as {
  id: string;
  type: string;
  direction: string;
  text: string;
  channel: { to: { id: string }; from: { id: string } };
  content?: Array<{ attachment: { url: string; mime: string; mediaType: string } }>;
};

describe('Genesys double agent', () => {
  it('answers each customer message with a webhook the ingest verifier accepts, in the outbound shape, one at a time per conversation', async () => {
    const user = 'Uaaaa0000000000000000000000000001';
    const other = 'Ubbbb0000000000000000000000000002';
    // The first reply of `user` is answered slowly: its second reply must not arrive before that answer.
    sink = await startWebhookSink((_body, nth) => ({ status: 200, delayMs: nth === 1 ? 300 : 0 }));
    genesys = await startGenesysDouble({ ...CLIENT, agent: { webhookUrl: sink.url, secret: SECRET, attachmentShare: 0, retryShare: 0 } });
    const token = await login(genesys);
    const written = [await customerWrites(genesys, token, user, 'one'), await customerWrites(genesys, token, user, 'two'), await customerWrites(genesys, token, other, 'three')];
    await genesys.agentIdle();

    expect(sink.arrivals).toHaveLength(3);
    for (const arrival of sink.arrivals) {
      expect(verifyGenesysSignature(arrival.rawBody, arrival.headers as Record<string, string>, SECRET)).toEqual({ ok: true });
      expect(verifyGenesysSignature(arrival.rawBody, arrival.headers as Record<string, string>, 'another-secret')).not.toEqual({ ok: true });
      expect(readGenesysOutbound(JSON.parse(arrival.rawBody.toString('utf8'))).ok).toBe(true);
    }
    const replies = genesys.agentReplies();
    expect(replies.map((r) => [r.toId, r.inReplyTo, r.seq, r.posts])).toEqual([
      [`line:${user}`, written[0], 0, [200]],
      [`line:${user}`, written[1], 1, [200]],
      [`line:${other}`, written[2], 0, [200]],
    ]);
    const byId = new Map(sink.arrivals.map((a) => [bodyOf(a).id, a]));
    for (const reply of replies) {
      const body = bodyOf(byId.get(reply.id)!);
      expect(body).toMatchObject({ type: 'Text', direction: 'Outbound', text: reply.text, channel: { to: { id: reply.toId }, from: { id: CLIENT.integrationId } } });
    }
    const [first, second] = [byId.get(replies[0]!.id)!, byId.get(replies[1]!.id)!];
    expect(second.arrivedAt).toBeGreaterThanOrEqual(first.answeredAt!);
    // The other conversation did not wait for the slow one.
    expect(byId.get(replies[2]!.id)!.arrivedAt).toBeLessThan(first.answeredAt!);
  });

  it('resends after a 5xx, sends a retried webhook twice with the same id and bytes, and serves the attachment it names', async () => {
    sink = await startWebhookSink((_body, nth) => ({ status: nth === 1 ? 503 : 200 }));
    genesys = await startGenesysDouble({
      ...CLIENT,
      agent: { webhookUrl: sink.url, secret: SECRET, attachmentShare: 1, retryShare: 1, resendDelaysMs: [20, 20] },
    });
    await customerWrites(genesys, await login(genesys), 'Ucccc0000000000000000000000000003', 'with a photo please');
    await genesys.agentIdle();

    const [reply] = genesys.agentReplies();
    expect(reply).toMatchObject({ retried: true, resends: 1, posts: [200, 200] });
    expect(sink.arrivals.map((a) => a.status)).toEqual([503, 200, 200]);
    expect(new Set(sink.arrivals.map((a) => a.rawBody.toString('utf8'))).size).toBe(1);
    expect(bodyOf(sink.arrivals[2]!).id).toBe(reply!.id);

    const attachment = bodyOf(sink.arrivals[1]!).content![0]!.attachment;
    expect(attachment).toMatchObject({ mediaType: 'Image', mime: 'image/jpeg', url: reply!.attachments[0]!.url });
    const download = await fetch(attachment.url);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(reply!.attachments[0]!.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(reply!.attachments[0]!.sha256);
    expect(reply!.attachments[0]!.sha256).toBe(mediaDigest(new URL(attachment.url).pathname.split('/').pop()!, bytes.length));
    expect((await fetch(`${genesys.url}/api/v2/downloads/unknown`)).status).toBe(404);
  });

  it('an away agent queues its replies and sends them, in order, once online', async () => {
    sink = await startWebhookSink(() => ({ status: 200 }));
    genesys = await startGenesysDouble({ ...CLIENT, agent: { webhookUrl: sink.url, secret: SECRET, away: true, retryShare: 0 } });
    const token = await login(genesys);
    const user = 'Ueeee0000000000000000000000000005';
    const written = [await customerWrites(genesys, token, user, 'first'), await customerWrites(genesys, token, user, 'second')];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.arrivals).toEqual([]);
    expect(genesys.agentReplies().map((r) => r.posts)).toEqual([[], []]);
    expect((await fetch(`${genesys.url}/__double/agent`, { method: 'POST', body: JSON.stringify({ online: true }) })).status).toBe(200);
    await genesys.agentIdle();
    const replies = genesys.agentReplies();
    expect(sink.arrivals.map((a) => bodyOf(a).id)).toEqual(replies.map((r) => r.id));
    expect(replies.map((r) => [r.inReplyTo, r.posts])).toEqual([[written[0], [200]], [written[1], [200]]]);
  });

  it('answers only its share of conversations, and is switched on and off over the control API', async () => {
    sink = await startWebhookSink(() => ({ status: 200 }));
    genesys = await startGenesysDouble(CLIENT);
    const token = await login(genesys);
    await customerWrites(genesys, token, 'Udddd0000000000000000000000000004', 'before the agent');
    const bad = await fetch(`${genesys.url}/__double/agent`, { method: 'POST', body: JSON.stringify({ webhookUrl: sink.url }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/secret/);
    const share = 0.5;
    expect((await fetch(`${genesys.url}/__double/agent`, { method: 'POST', body: JSON.stringify({ webhookUrl: sink.url, secret: SECRET, conversationShare: share }) })).status).toBe(200);
    const users = Array.from({ length: 12 }, (_, n) => `U${createHash('md5').update(String(n)).digest('hex')}`);
    for (const user of users) await customerWrites(genesys, token, user, `hi ${user}`);
    await genesys.agentIdle();
    const answered = users.filter((u) => agentAnswers(`line:${u}`, share));
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.length).toBeLessThan(users.length);
    const listed = (await (await fetch(`${genesys.url}/__double/agent-replies`)).json()) as Array<{ toId: string }>;
    expect(listed.map((r) => r.toId)).toEqual(answered.map((u) => `line:${u}`));
    // Retried webhooks (the default 5%) arrive twice: one id per reply.
    expect(new Set(sink.arrivals.map((a) => bodyOf(a).id)).size).toBe(answered.length);

    expect((await fetch(`${genesys.url}/__double/agent`, { method: 'POST', body: JSON.stringify({ enabled: false }) })).status).toBe(200);
    await customerWrites(genesys, token, answered[0]!, 'after the agent left');
    expect(genesys.agentReplies()).toEqual([]);
    expect(shareOf('x')).toBe(shareOf('x'));
  });
});
