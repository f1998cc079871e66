// Each platform's webhook → InboundMessage[], with attachments, nicknames,
// what is ignored and why (loop prevention included), and Viber's 64-bit
// message_token read losslessly.
import { describe, expect, it } from 'vitest';
import { PLATFORM_ADAPTERS, WebhookShapeError } from '../../shared/messaging/platforms';
import { integerIdText, topLevelMemberText } from '../../shared/messaging/platforms/raw-json';
import {
  buildLineWebhook,
  buildTelegramUpdate,
  buildViberCallback,
  buildWhatsAppWebhook,
  lineUserId,
  viberUserId,
  whatsappUserId,
} from '../fixtures/messaging-webhooks';

const receivedAt = '2026-11-29T08:00:00.000Z';
const { line, telegram, viber, whatsapp } = PLATFORM_ADAPTERS;

describe('LINE', () => {
  it('normalises every message event of a batch, in order, with media by message id', () => {
    const userId = lineUserId();
    const other = lineUserId();
    const hook = buildLineWebhook({
      userId,
      events: [
        { text: 'hello', timestamp: 1_764_403_200_123, messageId: '100001' },
        { image: true, messageId: '100002' },
        { file: { fileName: 'invoice.pdf', fileSize: 48_213 }, messageId: '100003' },
        { video: true, userId: other },
        { audio: true },
      ],
    });
    const { messages, ignored } = line.normalise(Buffer.from(hook.body), { receivedAt });
    expect(ignored).toEqual([]);
    expect(messages.map((m) => m.eventId)).toEqual(hook.eventIds);
    expect(messages[0]).toEqual({
      v: 1,
      platform: 'line',
      userId,
      messageId: '100001',
      eventId: hook.eventIds[0],
      time: '2025-11-29T08:00:00.123Z',
      text: 'hello',
      attachments: [],
      receivedAt,
    });
    expect(messages[1]!.attachments).toEqual([{ mediaType: 'Image', ref: '100002' }]);
    expect(messages[2]!.attachments).toEqual([{ mediaType: 'File', ref: '100003', filename: 'invoice.pdf', sizeBytes: 48_213 }]);
    expect(messages[3]).toMatchObject({ userId: other, attachments: [{ mediaType: 'Video' }] });
    expect(messages[4]!.attachments[0]!.mediaType).toBe('Audio');
  });

  it('acknowledges without enqueueing: standby, no userId, group chats, follow, stickers, Outbound echoes', () => {
    const hook = buildLineWebhook({
      events: [
        { text: 'standby', mode: 'standby' },
        { text: 'anonymous', userId: null },
        { text: 'in a group', sourceType: 'group' },
        { type: 'follow' },
        { sticker: true },
        { text: 'kept' },
      ],
    });
    const body = JSON.parse(hook.body) as { events: Array<Record<string, unknown>> };
    body.events.push({ ...body.events[5]!, webhookEventId: 'ECHO', direction: 'Outbound' });
    const { messages, ignored } = line.normalise(JSON.stringify(body), { receivedAt });
    expect(messages.map((m) => m.text)).toEqual(['kept']);
    expect(ignored.map((i) => i.reason)).toEqual([
      'mode standby (another channel is active)',
      'no source.userId',
      'source type group (only 1:1 chats are relayed)',
      'event type follow',
      'unsupported message type sticker',
      'direction Outbound (sent by the gateway)',
    ]);
  });

  it('an empty events array (the console Verify button) is a valid empty webhook; no events array is a shape error', () => {
    expect(line.normalise(JSON.stringify({ destination: 'U0', events: [] }))).toEqual({ messages: [], ignored: [] });
    expect(() => line.normalise(JSON.stringify({ destination: 'U0' }))).toThrow(WebhookShapeError);
  });

  it('keeps text of any length (the forwarder decides what Genesys takes)', () => {
    const text = 'あ'.repeat(10_000);
    const { messages } = line.normalise(buildLineWebhook({ events: [{ text }] }).body);
    expect(messages[0]!.text).toBe(text);
  });
});

describe('Telegram', () => {
  it('text: update_id is the event id, chat id the user, first name the nickname, date in seconds', () => {
    const hook = buildTelegramUpdate({ text: 'hi', updateId: 912_345_678, chatId: 5_551_234_567, messageId: 42, date: 1_764_403_200, firstName: 'Aiko' });
    const { messages, ignored } = telegram.normalise(Buffer.from(hook.body), { receivedAt });
    expect(ignored).toEqual([]);
    expect(messages).toEqual([
      { v: 1, platform: 'telegram', userId: '5551234567', messageId: '5551234567:42', eventId: '912345678', time: '2025-11-29T08:00:00.000Z', text: 'hi', nickname: 'Aiko', attachments: [], receivedAt },
    ]);
  });

  it('photo: the largest size, caption as text; document, voice and video by file_id', () => {
    const photo = buildTelegramUpdate({ photo: true, caption: 'my receipt' });
    const [p] = telegram.normalise(photo.body).messages;
    expect(p).toMatchObject({ text: 'my receipt', attachments: [{ mediaType: 'Image', ref: photo.largestPhotoFileId, mime: 'image/jpeg', sizeBytes: 98_000 }] });

    const document = buildTelegramUpdate({ document: { fileName: 'form.pdf', mimeType: 'application/pdf', fileSize: 12_345 } });
    const doc = JSON.parse(document.body) as { message: { document: { file_id: string } } };
    expect(telegram.normalise(document.body).messages[0]!.attachments).toEqual([
      { mediaType: 'File', ref: doc.message.document.file_id, mime: 'application/pdf', filename: 'form.pdf', sizeBytes: 12_345 },
    ]);
    expect(telegram.normalise(buildTelegramUpdate({ voice: true }).body).messages[0]!.attachments[0]).toMatchObject({ mediaType: 'Audio', mime: 'audio/ogg' });
    expect(telegram.normalise(buildTelegramUpdate({ video: true }).body).messages[0]!.attachments[0]).toMatchObject({ mediaType: 'Video', mime: 'video/mp4', filename: 'clip.mp4' });
  });

  it('username is the nickname when there is no first name', () => {
    const hook = JSON.parse(buildTelegramUpdate({ text: 'x', username: 'aiko_k' }).body) as { message: { from: Record<string, unknown> } };
    delete hook.message.from.first_name;
    expect(telegram.normalise(JSON.stringify(hook)).messages[0]!.nickname).toBe('aiko_k');
  });

  it('acknowledges without enqueueing: bots (our own echoes), edits, channel posts, groups, stickers, other update kinds', () => {
    const cases: Array<[ReturnType<typeof buildTelegramUpdate>, string]> = [
      [buildTelegramUpdate({ text: 'x', isBot: true }), 'from a bot (is_bot)'],
      [buildTelegramUpdate({ text: 'x', kind: 'edited_message' }), 'edited_message (Open Messaging has no edit)'],
      [buildTelegramUpdate({ text: 'x', kind: 'channel_post' }), 'channel_post (a broadcast channel, not a customer chat)'],
      [buildTelegramUpdate({ text: 'x', chatType: 'group' }), 'chat type group (only 1:1 chats are relayed)'],
      [buildTelegramUpdate({ sticker: true }), 'unsupported message content (sticker)'],
    ];
    for (const [hook, reason] of cases) {
      expect(hook.eventIds).toEqual([]);
      const update = JSON.parse(hook.body) as { update_id: number };
      expect(telegram.normalise(hook.body)).toEqual({ messages: [], ignored: [{ reason, eventId: String(update.update_id) }] });
    }
    expect(telegram.normalise(JSON.stringify({ update_id: 7, callback_query: { id: '1' } })).ignored[0]!.reason).toBe('update kind callback_query');
  });

  it('an update without an integer update_id is not a Telegram update', () => {
    expect(() => telegram.normalise(JSON.stringify({ message: {} }))).toThrow(WebhookShapeError);
    expect(() => telegram.normalise('[]')).toThrow(WebhookShapeError);
  });
});

describe('Viber', () => {
  it('reads message_token from the raw text: two tokens that differ only beyond 2^53 stay distinct', () => {
    const a = '5741311803571721087';
    const b = '5741311803571721088';
    expect(JSON.parse(`[${a}]`)[0]).toBe(JSON.parse(`[${b}]`)[0]); // what JSON.parse would have done
    const senderId = viberUserId();
    const [ma] = viber.normalise(buildViberCallback({ text: 'one', messageToken: a, senderId }).body).messages;
    const [mb] = viber.normalise(buildViberCallback({ text: 'two', messageToken: b, senderId }).body).messages;
    expect(ma!.eventId).toBe(a);
    expect(mb!.eventId).toBe(b);
    expect(ma!.messageId).toBe(a);
  });

  it('is not fooled by a message_token inside a text or a nested object', () => {
    const hook = buildViberCallback({ text: '{"message_token":1,"x":"\\"message_token\\": 2"}', messageToken: '9007199254740993123' });
    // A nested member comes first: the first `"message_token":<digits>` in the text is not the real one.
    const body = `{"extra":{"message_token":3},${hook.body.slice(1)}`;
    expect(/"message_token":\s*(\d+)/.exec(body)?.[1]).toBe('3');
    const { messages } = viber.normalise(body);
    expect(messages[0]!.eventId).toBe('9007199254740993123');
  });

  it('text, picture with caption, video and file: media URL is the ref; sender name the nickname', () => {
    const senderId = viberUserId();
    const text = viber.normalise(buildViberCallback({ text: 'hello', senderId, senderName: 'Mia', timestamp: 1_764_403_200_500 }).body, { receivedAt }).messages[0]!;
    expect(text).toMatchObject({ platform: 'viber', userId: senderId, nickname: 'Mia', text: 'hello', time: '2025-11-29T08:00:00.500Z', attachments: [] });
    const picture = viber.normalise(buildViberCallback({ picture: { url: 'https://dl-media.viber.com/1/abc.jpg', caption: 'look' } }).body).messages[0]!;
    expect(picture).toMatchObject({ text: 'look', attachments: [{ mediaType: 'Image', ref: 'https://dl-media.viber.com/1/abc.jpg' }] });
    const file = viber.normalise(buildViberCallback({ file: { url: 'https://dl-media.viber.com/2/f.pdf', fileName: 'f.pdf', size: 2048 } }).body).messages[0]!;
    expect(file.attachments).toEqual([{ mediaType: 'File', ref: 'https://dl-media.viber.com/2/f.pdf', filename: 'f.pdf', sizeBytes: 2048 }]);
    const video = viber.normalise(buildViberCallback({ video: { url: 'https://dl-media.viber.com/3/v.mp4', size: 999 } }).body).messages[0]!;
    expect(video.attachments).toEqual([{ mediaType: 'Video', ref: 'https://dl-media.viber.com/3/v.mp4', sizeBytes: 999 }]);
  });

  it('acknowledges without enqueueing every non-message event, stickers and Outbound echoes', () => {
    for (const event of ['delivered', 'seen', 'subscribed', 'conversation_started', 'webhook'] as const) {
      const { messages, ignored } = viber.normalise(buildViberCallback({ event }).body);
      expect(messages).toEqual([]);
      expect(ignored[0]!.reason).toBe(`event ${event}`);
    }
    expect(viber.normalise(buildViberCallback({ sticker: true }).body).ignored[0]!.reason).toBe('unsupported message type sticker');
    const echo = buildViberCallback({ text: 'x' }).body.replace('"silent":false', '"silent":false,"direction":"Outbound"');
    expect(viber.normalise(echo).ignored[0]!.reason).toBe('direction Outbound (sent by the gateway)');
  });

  it('raw member reader: top level only, escapes, strings of digits; refuses non-integers', () => {
    const text = '{"a":{"message_token":1},"s":"\\"message_token\\":2","message_token" : 18446744073709551615 }';
    expect(topLevelMemberText(text, 'message_token')).toBe('18446744073709551615');
    expect(topLevelMemberText('{"a":[1,{"b":"}"}],"b":true}', 'b')).toBe('true');
    expect(topLevelMemberText('{"a":1}', 'b')).toBeUndefined();
    expect(integerIdText('"123"')).toBe('123');
    expect(integerIdText('1.5')).toBeUndefined();
    expect(integerIdText('1e20')).toBeUndefined();
    expect(integerIdText('-1')).toBeUndefined();
  });
});

describe('WhatsApp', () => {
  it('several messages with contacts: wamid is event and message id, nickname matched by wa_id; statuses ignored', () => {
    const alice = whatsappUserId();
    const bob = whatsappUserId();
    const hook = buildWhatsAppWebhook({
      messages: [
        { from: alice, name: 'Alice', text: 'hi', timestamp: 1_764_403_200 },
        { from: bob, name: 'Bob', image: { caption: 'broken', mimeType: 'image/png' } },
        { from: alice, document: { mimeType: 'application/pdf', filename: 'bill.pdf' } },
        { from: bob, audio: {} },
      ],
      statuses: [{ recipientId: alice }, { recipientId: bob, status: 'read' }],
    });
    const { messages, ignored } = whatsapp.normalise(Buffer.from(hook.body), { receivedAt });
    expect(messages.map((m) => m.eventId)).toEqual(hook.eventIds);
    expect(messages[0]).toEqual({ v: 1, platform: 'whatsapp', userId: alice, messageId: hook.eventIds[0], eventId: hook.eventIds[0], time: '2025-11-29T08:00:00.000Z', text: 'hi', nickname: 'Alice', attachments: [], receivedAt });
    expect(messages[1]).toMatchObject({ userId: bob, nickname: 'Bob', text: 'broken', attachments: [{ mediaType: 'Image', ref: hook.mediaIds[0], mime: 'image/png' }] });
    expect(messages[2]).toMatchObject({ nickname: 'Alice', attachments: [{ mediaType: 'File', ref: hook.mediaIds[1], mime: 'application/pdf', filename: 'bill.pdf' }] });
    expect(messages[3]!.attachments[0]).toMatchObject({ mediaType: 'Audio', ref: hook.mediaIds[2] });
    expect(ignored.map((i) => i.reason)).toEqual(['status (about a message the gateway sent)', 'status (about a message the gateway sent)']);
  });

  it('a webhook of statuses only enqueues nothing; reactions and other fields are acknowledged', () => {
    const statuses = buildWhatsAppWebhook({ statuses: [{ recipientId: whatsappUserId() }] });
    expect(whatsapp.normalise(statuses.body).messages).toEqual([]);
    expect(whatsapp.normalise(buildWhatsAppWebhook({ messages: [{ from: whatsappUserId(), reaction: '👍' }] }).body).ignored[0]!.reason).toBe('unsupported message type reaction');
    const other = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'account_update', value: {} }] }] });
    expect(whatsapp.normalise(other)).toEqual({ messages: [], ignored: [{ reason: 'change field account_update' }] });
    expect(() => whatsapp.normalise('{"object":"page"}')).toThrow(WebhookShapeError);
  });
});
