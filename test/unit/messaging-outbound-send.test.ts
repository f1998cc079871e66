import { describe, expect, it } from 'vitest';
import { lineAnswers, telegramAnswers, viberAnswers, whatsappAnswers, type PlatformAnswer } from '../../scripts/local/doubles/platform-send-answers';
import type { Platform, PlatformCredentials } from '../../shared/messaging/contract';
import { readDispatcherConfig } from '../../shared/messaging/dispatcher/config';
import { perSecondSettings } from '../../shared/messaging/dispatcher/platform-limiter';
import { readForwarderConfig } from '../../shared/messaging/forwarder/config';
import { parseOutboundMessage, parseRecipient } from '../../shared/messaging/outbound/genesys-outbound';
import { lineRetryKey } from '../../shared/messaging/outbound/line-send';
import type { OutboundPart, SendContext, SendOutcome } from '../../shared/messaging/outbound/send-types';
import { SENDERS } from '../../shared/messaging/outbound/senders';
import { buildGenesysOutboundWebhook } from '../fixtures/messaging-webhooks';

const credentials: PlatformCredentials = {
  lineChannelAccessToken: 'line-token',
  telegramBotToken: '123456:bot-token',
  viberAuthToken: 'viber-token',
  whatsappAccessToken: 'wa-token',
  whatsappPhoneNumberId: '1065550001',
};
const context = (platform: Platform, userId = 'user-1'): SendContext => ({
  genesysMessageId: 'gmsg-1',
  userId,
  apiUrl: `https://api.example/${platform}`,
  credentials,
  viberSenderName: 'Support team of a very long company name',
});
const classify = (platform: Platform, answer: PlatformAnswer): SendOutcome =>
  SENDERS[platform].classify(answer.status, new Headers(answer.headers), answer.body, Date.parse('2026-11-29T09:00:00Z'));
const image = (sizeBytes = 200_000, mime = 'image/jpeg'): OutboundPart => ({ kind: 'media', attachment: { mediaType: 'Image', url: 'https://bucket.example/a.jpg?sig', mime, sizeBytes, filename: 'a.jpg' } });
const pdf: OutboundPart = { kind: 'media', attachment: { mediaType: 'File', url: 'https://bucket.example/b.pdf?sig', mime: 'application/pdf', sizeBytes: 3_000_000, filename: 'b.pdf' } };
const text: OutboundPart = { kind: 'text', text: 'Your order shipped' };

describe('Genesys outbound webhook', () => {
  it('reads an agent text with attachments, addressed to the platform user the forwarder named', () => {
    const hook = buildGenesysOutboundWebhook({
      id: 'g1',
      toId: 'telegram:4242',
      text: 'Here you go',
      attachments: [{ mediaType: 'Image', url: 'https://genesys.example/dl/1', mime: 'image/png', filename: 'x.png', contentSizeBytes: 10 }],
    });
    const message = parseOutboundMessage(hook.body);
    expect(message).toMatchObject({ kind: 'text', id: 'g1', recipient: { platform: 'telegram', userId: '4242' }, text: 'Here you go', to: { id: 'telegram:4242', idType: 'Opaque' } });
    expect(message.kind === 'text' && message.attachments).toEqual([expect.objectContaining({ mediaType: 'Image', url: 'https://genesys.example/dl/1', mime: 'image/png', filename: 'x.png', sizeBytes: 10 })]);
  });

  it('reads typing, receipts and unknown types without refusing them', () => {
    expect(parseOutboundMessage(buildGenesysOutboundWebhook({ toId: 'line:U1', type: 'Event', typingDurationMs: 8000 }).body)).toMatchObject({ kind: 'typing', durationMs: 8000 });
    expect(parseOutboundMessage(buildGenesysOutboundWebhook({ toId: 'line:U1', type: 'Receipt', receipt: { status: 'Failed', reasons: [{ code: 'GeneralError', message: 'x' }] } }).body)).toMatchObject({
      kind: 'receipt',
      status: 'Failed',
      reasons: [{ code: 'GeneralError', message: 'x' }],
    });
    expect(parseOutboundMessage(buildGenesysOutboundWebhook({ toId: 'line:U1', type: 'Structured' }).body)).toMatchObject({ kind: 'unsupported', type: 'Structured' });
  });

  it('refuses an address that is not <platform>:<user> as a permanent error naming it', () => {
    expect(() => parseRecipient('U123')).toThrow(/channel.to.id "U123"/);
    expect(() => parseRecipient('sms:+1555')).toThrow(/line, telegram, viber or whatsapp/);
    expect(parseRecipient('viber:abc:def==')).toEqual({ platform: 'viber', userId: 'abc:def==' });
  });
});

describe('send requests', () => {
  it('LINE pushes up to five messages per request, each push with its own stable X-Line-Retry-Key', () => {
    const parts = [text, image(), pdf, image(), image(), image()];
    const pushes = SENDERS.line.requests(parts, context('line', 'U1'));
    expect(pushes.map((p) => p.parts)).toEqual([[0, 1, 2, 3, 4], [5]]);
    expect(pushes[0]!.url).toBe('https://api.example/line/v2/bot/message/push');
    const first = JSON.parse(pushes[0]!.body) as { to: string; messages: Array<Record<string, unknown>> };
    expect(first.to).toBe('U1');
    expect(first.messages[0]).toEqual({ type: 'text', text: 'Your order shipped' });
    expect(first.messages[1]).toMatchObject({ type: 'image', originalContentUrl: 'https://bucket.example/a.jpg?sig' });
    // No file message for LINE bots: a link.
    expect(first.messages[2]).toEqual({ type: 'text', text: 'b.pdf: https://bucket.example/b.pdf?sig' });
    expect(pushes[0]!.headers['x-line-retry-key']).toBe(lineRetryKey('gmsg-1', 0));
    expect(pushes[1]!.headers['x-line-retry-key']).toBe(lineRetryKey('gmsg-1', 1));
    expect(lineRetryKey('gmsg-1', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lineRetryKey('gmsg-1', 0)).not.toBe(lineRetryKey('gmsg-2', 0));
    expect(pushes[0]!.headers.authorization).toBe('Bearer line-token');
  });

  it('Telegram sends one call per item, a photo over 5 MB as a document, typing as sendChatAction', () => {
    const calls = SENDERS.telegram.requests([text, image(), image(6 * 1024 * 1024), pdf], context('telegram', '4242'));
    expect(calls.map((c) => c.url.split('/').pop())).toEqual(['sendMessage', 'sendPhoto', 'sendDocument', 'sendDocument']);
    expect(JSON.parse(calls[1]!.body)).toEqual({ chat_id: '4242', photo: 'https://bucket.example/a.jpg?sig' });
    expect(calls[0]!.url).toBe('https://api.example/telegram/bot123456:bot-token/sendMessage');
    expect(JSON.parse(SENDERS.telegram.typing(context('telegram', '4242'), 3000)!.body)).toEqual({ chat_id: '4242', action: 'typing' });
  });

  it('Viber names the sender (28 characters at most) and gives files their size and name', () => {
    const [first, second] = SENDERS.viber.requests([text, pdf], context('viber', 'vid=='));
    expect(first!.headers['x-viber-auth-token']).toBe('viber-token');
    const body = JSON.parse(first!.body) as { receiver: string; sender: { name: string }; type: string };
    expect(body).toMatchObject({ receiver: 'vid==', type: 'text', text: 'Your order shipped' });
    expect(body.sender.name).toHaveLength(28);
    expect(JSON.parse(second!.body)).toMatchObject({ type: 'file', media: 'https://bucket.example/b.pdf?sig', size: 3_000_000, file_name: 'b.pdf' });
    expect(SENDERS.viber.typing(context('viber'), 1000)).toBeUndefined();
  });

  it('WhatsApp posts to the phone number id, media by link', () => {
    const [first, second] = SENDERS.whatsapp.requests([text, pdf], context('whatsapp', '8112345'));
    expect(first!.url).toBe('https://api.example/whatsapp/1065550001/messages');
    expect(JSON.parse(first!.body)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '8112345', type: 'text', text: { body: 'Your order shipped', preview_url: false } });
    expect(JSON.parse(second!.body)).toMatchObject({ type: 'document', document: { link: 'https://bucket.example/b.pdf?sig', filename: 'b.pdf' } });
  });
});

describe("platform answers → the message's outcome and receipt reason", () => {
  const cases: Array<[Platform, string, PlatformAnswer, Partial<SendOutcome>]> = [
    ['line', 'sent', lineAnswers.sent(), { kind: 'delivered' }],
    ['line', 'retry key already accepted (an earlier attempt delivered)', lineAnswers.retryKeyAccepted('req-1'), { kind: 'delivered', platformMessageId: 'req-1' }],
    ['line', '429', lineAnswers.tooManyRequests(), { kind: 'retry', rateLimited: true, code: 'RateLimited' }],
    ['line', 'monthly quota', lineAnswers.monthlyLimit(), { kind: 'failed', code: 'RateLimited' }],
    ['line', 'invalid to', lineAnswers.invalidTo(), { kind: 'failed', code: 'InvalidDestination' }],
    ['line', 'bad image URL', lineAnswers.invalidImageUrl(), { kind: 'failed', code: 'MediaTypeNotAllowed' }],
    ['line', '500', lineAnswers.serverError(), { kind: 'retry', rateLimited: false, code: 'GeneralError' }],
    ['line', '401', lineAnswers.unauthorized(), { kind: 'retry', status: 401 }],
    ['telegram', 'sent', telegramAnswers.sent('4242', 77), { kind: 'delivered', platformMessageId: '77' }],
    ['telegram', '429 with retry_after', telegramAnswers.tooManyRequests(7), { kind: 'retry', rateLimited: true, retryAfterSeconds: 7, code: 'RateLimited' }],
    ['telegram', 'bot blocked', telegramAnswers.blocked(), { kind: 'failed', code: 'RecipientOptedOut' }],
    ['telegram', 'chat not found', telegramAnswers.chatNotFound(), { kind: 'failed', code: 'InvalidDestination' }],
    ['telegram', 'bad media URL', telegramAnswers.badMediaUrl(), { kind: 'failed', code: 'MediaTypeNotAllowed' }],
    ['telegram', 'other 400', telegramAnswers.badRequest('message text is empty'), { kind: 'failed', code: 'GeneralError' }],
    ['viber', 'status 0', viberAnswers.sent('5741311803571721087'), { kind: 'delivered', platformMessageId: '5741311803571721087' }],
    ['viber', 'not subscribed (inside HTTP 200)', viberAnswers.receiverNotSubscribed(), { kind: 'failed', code: 'RecipientOptedOut' }],
    ['viber', 'not registered', viberAnswers.receiverNotRegistered(), { kind: 'failed', code: 'InvalidDestination' }],
    ['viber', 'too many requests', viberAnswers.tooManyRequests(), { kind: 'retry', rateLimited: true, code: 'RateLimited' }],
    ['viber', 'bad data', viberAnswers.badData('text'), { kind: 'failed', code: 'GeneralError' }],
    ['whatsapp', 'sent', whatsappAnswers.sent('81', 'wamid.X'), { kind: 'delivered', platformMessageId: 'wamid.X' }],
    ['whatsapp', '130429 throughput', whatsappAnswers.throughput(), { kind: 'retry', rateLimited: true, code: 'RateLimited' }],
    ['whatsapp', 'undeliverable', whatsappAnswers.undeliverable(), { kind: 'failed', code: 'InvalidDestination' }],
    ['whatsapp', 'stopped marketing', whatsappAnswers.stoppedMarketing(), { kind: 'failed', code: 'RecipientOptedOut' }],
    ['whatsapp', 'media download', whatsappAnswers.mediaDownload(), { kind: 'failed', code: 'MediaTypeNotAllowed' }],
    ['whatsapp', '503', whatsappAnswers.serviceUnavailable(), { kind: 'retry', rateLimited: false }],
  ];
  it.each(cases)('%s %s', (platform, _name, answer, expected) => {
    expect(classify(platform, answer)).toMatchObject(expected);
  });

  it('a Viber HTTP 200 with status ≠ 0 is never a delivery', () => {
    for (const answer of [viberAnswers.invalidAuthToken(), viberAnswers.badData('x'), viberAnswers.receiverNotSubscribed()]) {
      expect(answer.status).toBe(200);
      expect(classify('viber', answer).kind).not.toBe('delivered');
    }
  });
});

describe('dispatcher settings', () => {
  const env = {
    OUTBOUND_QUEUE_URL: 'q',
    OUTBOUND_DLQ_URL: 'dlq',
    MESSAGING_STATE_TABLE: 't',
    ATTACHMENT_BUCKET: 'b',
    GENESYS_API_URL: 'https://api.example',
    GENESYS_TOKEN_SECRET_ARN: 'arn:token',
    PLATFORM_CREDENTIALS_SECRET_ARN: 'arn:creds',
    GENESYS_INTEGRATION_ID: 'i',
  };
  it('defaults to 80/s per platform, 30/s for Telegram plus 1/s per chat, and the forwarder breaker', () => {
    const config = readDispatcherConfig(env);
    expect(config.sendRates).toEqual({ line: 80, telegram: 30, viber: 80, whatsapp: 80 });
    expect(config.telegramChatRate).toBe(1);
    expect(config.breaker).toEqual(readForwarderConfig({ ...env, INBOUND_QUEUE_URL: 'i', MAINTENANCE_QUEUE_URL: 'm', INBOUND_DLQ_URL: 'd' }).breaker);
  });
  it('names a bad rate', () => {
    expect(() => readDispatcherConfig({ ...env, WHATSAPP_SEND_RATE_PER_SECOND: 'fast' })).toThrow(/WHATSAPP_SEND_RATE_PER_SECOND=fast/);
  });
  it('per-second bucket settings keep burst + 1 s within the limit and use ≥ 98% of it', () => {
    for (const limit of [80, 2000, 30]) {
      const s = perSecondSettings(limit, 1000);
      expect(s.burst + s.ratePerSecond).toBeLessThanOrEqual(limit);
      expect(s.ratePerSecond / limit).toBeGreaterThanOrEqual(0.96);
    }
    expect(perSecondSettings(1, 1000)).toMatchObject({ ratePerSecond: 1, burst: 1 });
  });
});
