// The platform double's send endpoints, exercised over real HTTP with the
// dispatcher's own send adapters: what the adapters build is what the double
// (the platforms' documented shapes) accepts, and each refusal comes back in
// the platform's shape and classifies to the right receipt reason.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlatformDouble, type PlatformDouble } from '../../scripts/local/doubles/platform-double';
import type { Platform, PlatformCredentials } from '../../shared/messaging/contract';
import type { OutboundPart, SendContext } from '../../shared/messaging/outbound/send-types';
import { SENDERS, exchange } from '../../shared/messaging/outbound/senders';
import { lineUserId, whatsappUserId } from '../fixtures/messaging-webhooks';

const credentials: PlatformCredentials = {
  lineChannelAccessToken: 'line-token',
  telegramBotToken: '123456:bot-token',
  viberAuthToken: 'viber-token',
  whatsappAccessToken: 'wa-token',
  whatsappPhoneNumberId: '1065550001',
};

describe('platform double: send endpoints', () => {
  let double: PlatformDouble;
  beforeEach(async () => {
    double = await startPlatformDouble({ credentials });
  });
  afterEach(() => double.stop());

  const apiUrl = (platform: Platform) => double.apiUrls[`${platform}ApiUrl` as 'lineApiUrl'];
  const context = (platform: Platform, userId: string, genesysMessageId = 'g-1', creds = credentials): SendContext => ({
    genesysMessageId,
    userId,
    apiUrl: apiUrl(platform),
    credentials: creds,
    viberSenderName: 'Support',
  });
  const sendAll = async (platform: Platform, parts: OutboundPart[], ctx: SendContext) => {
    const outcomes = [];
    for (const request of SENDERS[platform].requests(parts, ctx)) outcomes.push(await exchange(SENDERS[platform], request, { timeoutMs: 5000 }));
    return outcomes;
  };
  const text = (t: string): OutboundPart => ({ kind: 'text', text: t });
  const users: Record<Platform, () => string> = { line: lineUserId, telegram: () => '4242', viber: () => 'vU1Hj8Zq0==', whatsapp: whatsappUserId };

  it.each(['line', 'telegram', 'viber', 'whatsapp'] as const)('%s: text and an attachment are accepted, fetched and listed in order at GET /__double/sent', async (platform) => {
    const url = double.putMedia('viber', 'photo-1', { sizeBytes: 70_000, mime: 'image/jpeg', filename: 'p.jpg' });
    const user = users[platform]();
    const outcomes = await sendAll(platform, [text('first'), { kind: 'media', attachment: { mediaType: 'Image', url, mime: 'image/jpeg', sizeBytes: 70_000, filename: 'p.jpg' } }], context(platform, user));
    if (platform === 'telegram') {
      // The second send to one chat within a second is refused (1 msg/s per chat) with retry_after.
      expect(outcomes[0]).toMatchObject({ kind: 'delivered' });
      expect(outcomes[1]).toMatchObject({ kind: 'retry', rateLimited: true, retryAfterSeconds: 1 });
      return;
    }
    expect(outcomes.every((o) => o.kind === 'delivered')).toBe(true);
    const listed = (await (await fetch(`${double.url}/__double/sent`)).json()) as Array<{ platform: string; to: string; text?: string; attachments: Array<{ bytes?: number; sha256?: string }> }>;
    expect(listed.map((s) => [s.platform, s.to, s.text ?? null, s.attachments.length])).toEqual([
      [platform, user, 'first', 0],
      [platform, user, null, 1],
    ]);
    expect(listed[1]!.attachments[0]).toMatchObject({ bytes: 70_000, sha256: double.mediaSha256('viber', 'photo-1') });
  });

  it('LINE: a repeated X-Line-Retry-Key is answered 409 and not sent again', async () => {
    const user = lineUserId();
    expect(await sendAll('line', [text('once')], context('line', user, 'g-dup'))).toEqual([expect.objectContaining({ kind: 'delivered' })]);
    expect(await sendAll('line', [text('once')], context('line', user, 'g-dup'))).toEqual([expect.objectContaining({ kind: 'delivered' })]);
    expect(double.sent()).toHaveLength(1);
  });

  it.each([
    ['line', 'invalid', 'failed', 'InvalidDestination'],
    ['line', 'server-error', 'retry', 'GeneralError'],
    ['telegram', 'blocked', 'failed', 'RecipientOptedOut'],
    ['telegram', 'invalid', 'failed', 'InvalidDestination'],
    ['telegram', 'server-error', 'retry', 'GeneralError'],
    ['viber', 'blocked', 'failed', 'RecipientOptedOut'],
    ['viber', 'invalid', 'failed', 'InvalidDestination'],
    ['whatsapp', 'invalid', 'failed', 'InvalidDestination'],
    ['whatsapp', 'blocked', 'failed', 'RecipientOptedOut'],
    ['whatsapp', 'server-error', 'retry', 'GeneralError'],
  ] as const)('%s: injected %s → %s %s, nothing sent', async (platform, failure, kind, code) => {
    const user = users[platform]();
    const injected = await fetch(`${double.url}/__double/send-failures`, { method: 'POST', body: JSON.stringify({ platform, userId: user, failure }) });
    expect(injected.status).toBe(200);
    expect(await sendAll(platform, [text('hello')], context(platform, user))).toEqual([expect.objectContaining({ kind, code })]);
    expect(double.sent()).toEqual([]);
  });

  it.each(['line', 'telegram', 'viber', 'whatsapp'] as const)('%s: a wrong credential is refused in the platform shape (retried: credentials may be rotating)', async (platform) => {
    const wrong = { ...credentials, lineChannelAccessToken: 'x', telegramBotToken: 'x', viberAuthToken: 'x', whatsappAccessToken: 'x' };
    expect(await sendAll(platform, [text('hi')], context(platform, users[platform](), 'g', wrong))).toEqual([expect.objectContaining({ kind: 'retry' })]);
    expect(double.sent()).toEqual([]);
  });

  it('WhatsApp: past the per-second limit the double answers 130429 and counts the refusal', async () => {
    double.setSendLimits({ whatsapp: 3 });
    const outcomes = await Promise.all(Array.from({ length: 5 }, (_, n) => sendAll('whatsapp', [text(`m${n}`)], context('whatsapp', whatsappUserId()))));
    const flat = outcomes.flat();
    expect(flat.filter((o) => o.kind === 'delivered')).toHaveLength(3);
    expect(flat.filter((o) => o.kind === 'retry' && o.rateLimited)).toHaveLength(2);
    expect(double.sendRefusals().map((r) => r.why)).toEqual(['130429', '130429']);
  });

  it('Telegram typing goes to sendChatAction and is listed apart from messages', async () => {
    const request = SENDERS.telegram.typing(context('telegram', '4242'), 2000)!;
    expect(await exchange(SENDERS.telegram, request, { timeoutMs: 5000 })).toMatchObject({ kind: 'delivered' });
    expect(double.typing()).toEqual([expect.objectContaining({ platform: 'telegram', to: '4242' })]);
    expect(double.sent()).toEqual([]);
  });
});
