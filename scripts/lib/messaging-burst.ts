// The burst of `make demo-messaging`: platform webhooks for many
// conversations across LINE, Telegram, Viber and WhatsApp, built with the
// webhook factories and signed with the signers of test/fixtures (the shapes
// and signatures the platforms send), plus what the verdict expects Genesys to
// receive.
//
// What it contains, besides one webhook per customer message:
// - batches: LINE and WhatsApp sometimes carry 2-3 messages of one user in one
//   webhook (in order), as they do under load;
// - immediate redeliveries: the same event re-sent right after the original
//   (inside the SQS FIFO deduplication window);
// - late redeliveries: re-sent once everything was forwarded. moto, like SQS
//   after its 5-minute window, no longer deduplicates them (moto only compares
//   with messages still in the queue), so only the gateway's durable record of
//   what it accepted can drop them;
// - forged webhooks: wrong secret, tampered body, or no signature at all;
//   each carries a message that must never reach Genesys;
// - attachments: media put on the platform double, referred to the way each
//   platform does (LINE message id, Telegram file_id, Viber URL, WhatsApp id).
//
// Structure (who, how many, which kind) comes from a seeded generator; the
// factories add their own random ids, so two runs differ only in those.
import type { Platform, WebhookSecrets } from '../../shared/messaging/contract';
import {
  buildLineWebhook,
  buildTelegramUpdate,
  buildViberCallback,
  buildWhatsAppWebhook,
  signedRequest,
} from '../../test/fixtures/messaging-webhooks';
import type { SentMessage } from './messaging-oracle';
import { seededRandom, shuffleInPlace, type Random } from './random';

export interface WebhookRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface PlannedWebhook {
  platform: Platform;
  conversation: string;
  kind: 'original' | 'redelivery' | 'late-redelivery';
  request: WebhookRequest;
  /** The customer messages it carries, in order (a redelivery carries the original's). */
  messages: SentMessage[];
}

export interface ForgedWebhook {
  platform: Platform;
  how: 'wrong-secret' | 'tampered-body' | 'no-signature';
  request: WebhookRequest;
  messageId: string;
}

export interface MediaSpec {
  sizeBytes: number;
  mime: string;
  filename?: string;
}

export interface PlannedMedia {
  platform: Platform;
  /** The platform's reference (what the platform double serves it under). */
  ref: string;
  messageId: string;
}

export interface MessagingBurst {
  /** Per conversation, its webhooks in send order (an immediate redelivery right after its original). */
  conversations: Array<{ key: string; platform: Platform; webhooks: PlannedWebhook[] }>;
  late: PlannedWebhook[];
  forged: ForgedWebhook[];
  expected: SentMessage[];
  media: PlannedMedia[];
  counts: {
    messages: number;
    conversations: number;
    webhooks: number;
    batches: number;
    redeliveries: number;
    lateRedeliveries: number;
    forged: number;
    attachments: number;
    perPlatform: Record<Platform, number>;
  };
}

export interface BurstOptions {
  messages: number;
  conversations: number;
  attachments: number;
  forged: number;
  /** Share of webhooks re-sent right after the original. */
  redeliveryRatio: number;
  /** Share of webhooks re-sent after everything was forwarded. */
  lateRedeliveryRatio: number;
  seed: number;
  /** Platform timestamps start here (epoch ms) and grow with send order, 1-3 s per message of the burst. */
  now: number;
  secrets: WebhookSecrets;
  /** Registers media on the platform double; returns what the webhook carries (Viber: the URL). */
  putMedia(platform: Platform, ref: string, spec: MediaSpec): string;
}

const PLATFORM_ORDER: readonly Platform[] = ['line', 'telegram', 'viber', 'whatsapp'];

const hexOf = (random: Random, length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
const digitsOf = (random: Random, length: number) => `${1 + Math.floor(random() * 9)}${Array.from({ length: length - 1 }, () => Math.floor(random() * 10)).join('')}`;
const base64Of = (random: Random, length: number) =>
  Array.from({ length }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[Math.floor(random() * 64)]).join('');

/** A user id in the platform's own format (the FIFO group and Genesys from.id derive from it). */
function userIdFor(platform: Platform, random: Random): string {
  switch (platform) {
    case 'line':
      return `U${hexOf(random, 32)}`;
    case 'telegram':
      return digitsOf(random, 10);
    case 'viber':
      return `${base64Of(random, 22)}==`;
    case 'whatsapp':
      return `81${digitsOf(random, 10)}`;
  }
}

/** Message counts per conversation: every conversation gets at least one, the rest spread at random. */
function spread(total: number, parts: number, random: Random): number[] {
  const counts = Array.from({ length: parts }, () => 1);
  for (let i = parts; i < total; i += 1) counts[Math.floor(random() * parts)]! += 1;
  return counts;
}

interface Draft {
  seq: number;
  text: string;
  at: number;
  attachment?: { ref: string; spec: MediaSpec };
}

export function generateMessagingBurst(options: BurstOptions): MessagingBurst {
  const random = seededRandom(options.seed);
  const conversationCount = Math.max(1, Math.min(options.conversations, options.messages));
  const counts = spread(options.messages, conversationCount, random);
  const expected: SentMessage[] = [];
  const media: PlannedMedia[] = [];
  const conversations: MessagingBurst['conversations'] = [];
  const originals: PlannedWebhook[] = [];
  const perPlatform: Record<Platform, number> = { line: 0, telegram: 0, viber: 0, whatsapp: 0 };
  let telegramMessageNumber = 1000;
  let telegramUpdateId = 500_000_000 + Math.floor(random() * 1_000_000);
  let batches = 0;
  let redeliveries = 0;
  let clock = options.now;

  // Attachments on the second message of the first conversations of each platform, round robin.
  const attachmentSlots = new Set<number>();
  for (let i = 0; attachmentSlots.size < Math.min(options.attachments, conversationCount); i += 1) attachmentSlots.add(i % conversationCount);

  for (let c = 0; c < conversationCount; c += 1) {
    const platform = PLATFORM_ORDER[c % PLATFORM_ORDER.length]!;
    const userId = userIdFor(platform, random);
    const key = `${platform}:${userId}`;
    const drafts: Draft[] = Array.from({ length: counts[c]! }, (_, seq) => {
      // 1-3 s apart: Telegram and WhatsApp stamp whole seconds, and a person rarely types faster.
      clock += 1000 + Math.floor(random() * 2000);
      return { seq, text: `${key.slice(0, 14)} #${seq}: ${['hello', 'my order is late', 'can you help?', 'thanks', 'see attached'][Math.floor(random() * 5)]}`, at: clock };
    });
    if (attachmentSlots.has(c)) {
      const draft = drafts[Math.min(1, drafts.length - 1)]!;
      const sizeBytes = 40_000 + Math.floor(random() * 400_000);
      draft.attachment = { ref: `${platform}-media-${c}`, spec: { sizeBytes, mime: 'image/jpeg', filename: `photo-${c}.jpg` } };
    }

    const webhooks: PlannedWebhook[] = [];
    for (let i = 0; i < drafts.length; ) {
      // LINE and WhatsApp batch several events of one user per webhook now and then.
      const batchable = (platform === 'line' || platform === 'whatsapp') && !drafts[i]!.attachment;
      const size = batchable && random() < 0.1 ? Math.min(2 + Math.floor(random() * 2), drafts.length - i) : 1;
      // A message with an attachment travels alone: the batch stops before it.
      const window = drafts.slice(i, i + size);
      const cut = window.findIndex((d, j) => j > 0 && d.attachment);
      const group = cut < 0 ? window : window.slice(0, cut);
      i += group.length;
      if (group.length > 1) batches += 1;
      const built = buildFor(platform, userId, group, options, () => ({ updateId: ++telegramUpdateId, messageNumber: ++telegramMessageNumber }));
      const messages = group.map((d, j) => ({
        conversation: key,
        seq: d.seq,
        messageId: built.messageIds[j]!,
        ...(d.attachment && platform === 'line' ? {} : { text: d.text }),
        attachments: d.attachment ? 1 : 0,
      }));
      for (const [j, d] of group.entries()) {
        if (d.attachment) media.push({ platform, ref: built.mediaRefs[j] ?? d.attachment.ref, messageId: messages[j]!.messageId });
      }
      expected.push(...messages);
      perPlatform[platform] += messages.length;
      const original: PlannedWebhook = { platform, conversation: key, kind: 'original', request: built.request, messages };
      webhooks.push(original);
      originals.push(original);
      if (random() < options.redeliveryRatio) {
        redeliveries += 1;
        webhooks.push({ ...original, kind: 'redelivery', request: built.redelivery });
      }
    }
    conversations.push({ key, platform, webhooks });
  }

  const late = shuffleInPlace(random, [...originals])
    .slice(0, Math.round(originals.length * options.lateRedeliveryRatio))
    .map((w) => ({ ...w, kind: 'late-redelivery' as const }));

  const forged: ForgedWebhook[] = [];
  for (let f = 0; f < options.forged; f += 1) {
    const target = conversations[Math.floor(random() * conversations.length)]!;
    const userId = target.key.slice(target.platform.length + 1);
    const draft: Draft = { seq: 9_999, text: `forged #${f}: please refund me`, at: (clock += 7) };
    const built = buildFor(target.platform, userId, [draft], options, () => ({ updateId: ++telegramUpdateId, messageNumber: ++telegramMessageNumber }));
    const hows: ForgedWebhook['how'][] = target.platform === 'telegram' ? ['wrong-secret', 'no-signature'] : ['wrong-secret', 'tampered-body', 'no-signature'];
    const how = hows[f % hows.length]!;
    forged.push({ platform: target.platform, how, request: forge(target.platform, built.request, how, options.secrets), messageId: built.messageIds[0]! });
  }

  const webhookCount = conversations.reduce((sum, c) => sum + c.webhooks.length, 0);
  return {
    conversations,
    late,
    forged,
    expected,
    media,
    counts: {
      messages: expected.length,
      conversations: conversations.length,
      webhooks: webhookCount,
      batches,
      redeliveries,
      lateRedeliveries: late.length,
      forged: forged.length,
      attachments: media.length,
      perPlatform,
    },
  };
}

interface Built {
  request: WebhookRequest;
  /** What the platform sends when it retries the same event (LINE flags it with isRedelivery). */
  redelivery: WebhookRequest;
  /** Genesys channel.messageId of each message, as the ingest normalises it. */
  messageIds: string[];
  /** Media reference per message with an attachment (Telegram: the file_id the factory chose). */
  mediaRefs: Array<string | undefined>;
}

const toRequest = (platform: Platform, body: string, secrets: WebhookSecrets): WebhookRequest => {
  const signed = signedRequest(platform, body, secrets);
  return { path: signed.path, headers: signed.headers, body: signed.body };
};

/** One webhook for `drafts` (several only for LINE and WhatsApp), with the platform's ids and media references. */
function buildFor(platform: Platform, userId: string, drafts: Draft[], options: BurstOptions, nextTelegram: () => { updateId: number; messageNumber: number }): Built {
  const { secrets } = options;
  switch (platform) {
    case 'line': {
      const specs = drafts.map((d) => ({
        webhookEventId: undefined as string | undefined,
        messageId: `${d.at}${String(d.seq).padStart(4, '0')}`,
        timestamp: d.at,
        ...(d.attachment ? { image: true as const } : { text: d.text }),
      }));
      for (const [i, d] of drafts.entries()) if (d.attachment) options.putMedia('line', specs[i]!.messageId, d.attachment.spec);
      const first = buildLineWebhook({ userId, events: specs });
      const events = (JSON.parse(first.body) as { events: Array<{ webhookEventId: string }> }).events;
      const again = buildLineWebhook({ userId, events: specs.map((s, i) => ({ ...s, webhookEventId: events[i]!.webhookEventId, isRedelivery: true })) });
      return {
        request: toRequest('line', first.body, secrets),
        redelivery: toRequest('line', again.body, secrets),
        messageIds: specs.map((s) => s.messageId),
        mediaRefs: specs.map((s, i) => (drafts[i]!.attachment ? s.messageId : undefined)),
      };
    }
    case 'telegram': {
      const d = drafts[0]!;
      const { updateId, messageNumber } = nextTelegram();
      const base = { updateId, chatId: Number(userId), messageId: messageNumber, date: Math.floor(d.at / 1000), firstName: 'Aiko' };
      const built = d.attachment ? buildTelegramUpdate({ ...base, photo: true, caption: d.text }) : buildTelegramUpdate({ ...base, text: d.text });
      if (d.attachment && built.largestPhotoFileId) {
        // The factory announces 98,000 bytes for the largest photo size.
        options.putMedia('telegram', built.largestPhotoFileId, { ...d.attachment.spec, sizeBytes: 98_000 });
      }
      const request = toRequest('telegram', built.body, secrets);
      return { request, redelivery: request, messageIds: [`${userId}:${messageNumber}`], mediaRefs: [built.largestPhotoFileId] };
    }
    case 'viber': {
      const d = drafts[0]!;
      const url = d.attachment ? options.putMedia('viber', d.attachment.ref, d.attachment.spec) : undefined;
      const built = url
        ? buildViberCallback({ picture: { url, caption: d.text }, senderId: userId, senderName: 'Mia', timestamp: d.at })
        : buildViberCallback({ text: d.text, senderId: userId, senderName: 'Mia', timestamp: d.at });
      const request = toRequest('viber', built.body, secrets);
      return { request, redelivery: request, messageIds: [built.eventIds[0]!], mediaRefs: [d.attachment?.ref] };
    }
    case 'whatsapp': {
      for (const d of drafts) if (d.attachment) options.putMedia('whatsapp', d.attachment.ref, d.attachment.spec);
      const built = buildWhatsAppWebhook({
        phoneNumberId: '1000001',
        messages: drafts.map((d) => ({
          from: userId,
          name: 'Noa',
          timestamp: Math.floor(d.at / 1000),
          ...(d.attachment ? { image: { id: d.attachment.ref, mimeType: d.attachment.spec.mime, caption: d.text } } : { text: d.text }),
        })),
      });
      const request = toRequest('whatsapp', built.body, secrets);
      return { request, redelivery: request, messageIds: built.eventIds, mediaRefs: drafts.map((d) => d.attachment?.ref) };
    }
  }
}

/** The same webhook as an attacker (or a misconfigured platform) would send it. */
function forge(platform: Platform, request: WebhookRequest, how: ForgedWebhook['how'], secrets: WebhookSecrets): WebhookRequest {
  const signatureHeaders = Object.keys(request.headers).filter((h) => h.toLowerCase() !== 'content-type');
  if (how === 'no-signature') {
    return { ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([h]) => !signatureHeaders.includes(h))) };
  }
  if (how === 'tampered-body') {
    // Signed for the original body; the text changed in flight.
    return { ...request, body: request.body.replace('please refund me', 'please refund me twice') };
  }
  const wrong: WebhookSecrets = {
    ...secrets,
    lineChannelSecret: `${secrets.lineChannelSecret}-old`,
    telegramSecretToken: `${secrets.telegramSecretToken}-old`,
    viberAuthToken: `${secrets.viberAuthToken}-old`,
    whatsappAppSecret: `${secrets.whatsappAppSecret}-old`,
  };
  return { ...request, headers: signedRequest(platform, request.body, wrong).headers };
}
