// The outbound verdict of `make demo-messaging` on hand-made double logs: a
// clean run is clean, and each thing a customer or an agent would notice
// (a reply lost, sent twice, out of order, wrong bytes, a missing or wrong
// receipt, a send over the limit, an echo ingested) makes it fail, named.
import { describe, expect, it } from 'vitest';
import type { AgentReply } from '../../scripts/local/doubles/genesys-agent';
import type { SendRefusal, SentMessage } from '../../scripts/local/doubles/platform-send-routes';
import { describeOutboundVerdict, maxInWindow, outboundVerdict, type OutboundVerdictInput } from '../../scripts/lib/messaging-outbound-oracle';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function reply(toId: string, seq: number, extra: Partial<AgentReply> = {}): AgentReply {
  return { id: `${toId}-r${seq}`, conversationId: `c-${toId}`, toId, inReplyTo: `m-${seq}`, seq, text: `reply ${seq} to ${toId}`, attachments: [], posts: [200], resends: 0, retried: false, ...extra };
}

const send = (toId: string, ms: number, extra: Partial<SentMessage>): SentMessage => {
  const [platform, to] = toId.split(':') as [SentMessage['platform'], string];
  return { platform, to, attachments: [], sentAt: at(ms), admittedAt: at(ms), ...extra };
};

const receipt = (id: string, status = 'Delivered', reason?: string) => ({ id, status, ...(reason ? { reasons: [{ code: reason, message: 'x' }] } : {}), channel: { to: { id: 'x' } } });

function cleanRun(): OutboundVerdictInput {
  const wa = 'whatsapp:811234567890';
  const tg = 'telegram:5000000001';
  const blocked = 'viber:abc==';
  const photo = { url: 'http://g/api/v2/downloads/f1', mime: 'image/jpeg', filename: 'photo-2.jpg', bytes: 100, sha256: 'aa'.repeat(32) };
  const replies = [reply(wa, 0), reply(wa, 1, { attachments: [photo], retried: true, posts: [200, 200] }), reply(tg, 0), reply(tg, 1), reply(blocked, 0)];
  return {
    replies,
    sent: [
      send(wa, 0, { text: replies[0]!.text }),
      send(wa, 600, { text: replies[1]!.text }),
      send(tg, 700, { text: replies[2]!.text }),
      send(wa, 1300, { attachments: [{ url: 's3://x', kind: 'image', bytes: 100, sha256: photo.sha256 }] }),
      send(tg, 1700, { text: replies[3]!.text }),
    ],
    refusals: [{ platform: 'telegram', to: '5000000001', status: 429, why: 'rate-per-chat', at: at(1500) } satisfies SendRefusal],
    receipts: [receipt(replies[0]!.id), receipt(replies[2]!.id), receipt(replies[1]!.id), receipt(replies[3]!.id), receipt(replies[4]!.id, 'Failed', 'InvalidDestination')],
    injected: new Map([[blocked, 'InvalidDestination']]),
    limits: { line: 2, telegram: 2, viber: 2, whatsapp: 2, telegramPerChat: 1 },
    windowMs: 975,
    echoes: { sent: 7, accepted: 7, ids: new Set(['wamid.1']) },
    inbound: [{ body: { channel: { messageId: 'customer-1' }, text: 'hello' }, acceptedAt: at(0) }],
  };
}

describe('outbound verdict', () => {
  it('is clean when every reply reached its platform once, in order, with its bytes and one right receipt, within the limits', () => {
    const v = outboundVerdict(cleanRun());
    expect(v.examples).toEqual([]);
    expect(v).toMatchObject({
      clean: true,
      replies: 5,
      expectedDelivered: 4,
      delivered: 4,
      attachments: { expected: 1, delivered: 1 },
      receipts: { byStatus: { Delivered: 4, Failed: 1 }, missing: 0, wrong: 0 },
      injectedFailures: { replies: 1, failedWithRightReason: 1 },
      echoes: { sent: 7, accepted: 7, ingested: 0 },
    });
    expect(v.rates.whatsapp).toEqual({ configured: 2, max: 2, maxStrict1s: 2, refusedForRate: 0 });
    expect(v.rates.telegramPerChat).toMatchObject({ max: 1, refusedForRate: 1 });
    expect(describeOutboundVerdict(v)).toMatch(/^OUTBOUND: CLEAN — 4\/4 agent replies/);
  });

  it('fails, naming it, on a reply sent twice, a lost one, an order swap, or bytes the agent did not attach', () => {
    const twice = cleanRun();
    twice.sent.push(send('telegram:5000000001', 3000, { text: twice.replies[3]!.text }));
    expect(outboundVerdict(twice)).toMatchObject({ clean: false, duplicated: 1 });

    const lost = cleanRun();
    lost.sent.splice(4, 1);
    const lostVerdict = outboundVerdict(lost);
    expect(lostVerdict).toMatchObject({ clean: false, lost: 1, delivered: 3 });
    expect(lostVerdict.examples[0]).toMatch(/telegram:5000000001 #2\) never fully reached the platform/);

    const swapped = cleanRun();
    [swapped.sent[2], swapped.sent[4]] = [swapped.sent[4]!, swapped.sent[2]!];
    expect(outboundVerdict(swapped)).toMatchObject({ clean: false, reorderedConversations: 1 });

    const corrupt = cleanRun();
    corrupt.sent[3] = send('whatsapp:811234567890', 1300, { attachments: [{ url: 's3://x', kind: 'image', bytes: 100, sha256: 'bb'.repeat(32) }] });
    expect(outboundVerdict(corrupt)).toMatchObject({ clean: false, unexpectedSends: 1, attachments: { expected: 1, delivered: 0 } });
  });

  it('fails on a missing, doubled or wrong receipt, and on a send to a customer whose platform refused', () => {
    const missing = cleanRun();
    missing.receipts.pop();
    expect(outboundVerdict(missing)).toMatchObject({ clean: false, receipts: { missing: 1 } });

    const doubled = cleanRun();
    doubled.receipts.push(receipt(doubled.replies[0]!.id));
    expect(outboundVerdict(doubled)).toMatchObject({ clean: false, receipts: { duplicated: 1 } });

    const wrongReason = cleanRun();
    wrongReason.receipts[4] = receipt(wrongReason.replies[4]!.id, 'Failed', 'GeneralError');
    expect(outboundVerdict(wrongReason)).toMatchObject({ clean: false, receipts: { wrong: 1 }, injectedFailures: { failedWithRightReason: 0 } });

    const notPosted = cleanRun();
    notPosted.replies[0]!.posts = [500];
    expect(outboundVerdict(notPosted)).toMatchObject({ clean: false, posted: 4 });
  });

  it('fails when more sends were admitted in a window than configured, or an echo reached Genesys', () => {
    const fast = cleanRun();
    fast.sent.push(send('whatsapp:811234567890', 100, { text: 'reply 0 to whatsapp:811234567890' }));
    const fastVerdict = outboundVerdict(fast);
    expect(fastVerdict.rates.whatsapp.max).toBe(3);
    expect(fastVerdict.clean).toBe(false);

    const echoed = cleanRun();
    echoed.inbound.push({ body: { channel: { messageId: 'wamid.1' } }, acceptedAt: at(5000) });
    expect(outboundVerdict(echoed)).toMatchObject({ clean: false, echoes: { ingested: 1 } });
    const botEcho = cleanRun();
    botEcho.inbound.push({ body: { channel: { messageId: '5000000001:77' }, text: botEcho.replies[2]!.text }, acceptedAt: at(5000) });
    expect(outboundVerdict(botEcho).echoes.ingested).toBe(1);
  });

  it('counts one LINE push of several messages as one request, and windows as half-open', () => {
    expect(maxInWindow([0, 999, 1000, 1999], 1000)).toBe(2);
    expect(maxInWindow([0, 500, 974, 975], 975)).toBe(3);
    const line = cleanRun();
    const toId = 'line:U0123456789abcdef0123456789abcdef';
    line.replies.push(reply(toId, 0, { attachments: [{ url: 'u', mime: 'image/jpeg', filename: 'p.jpg', bytes: 1, sha256: 'cc'.repeat(32) }] }));
    line.receipts.push(receipt(`${toId}-r0`));
    const push = { retryKey: '3f1c0d9e-8a7b-4c6d-9e0f-1a2b3c4d5e6f' };
    line.sent.push(send(toId, 100, { ...push, text: `reply 0 to ${toId}` }), send(toId, 100, { ...push, attachments: [{ url: 's3://y', kind: 'image', bytes: 1, sha256: 'cc'.repeat(32) }] }));
    const v = outboundVerdict(line);
    expect(v.rates.line.max).toBe(1);
    expect(v.clean).toBe(true);
  });
});
