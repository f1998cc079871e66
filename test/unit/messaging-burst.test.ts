// The demo burst: what it promises the verdict (counts, order, ids, forged
// webhooks) checked against the ingest's own adapters, so the expected
// channel.messageIds, users and media references are the ones the gateway will
// really produce, and every forged webhook really fails verification.
import { describe, expect, it } from 'vitest';
import { PLATFORMS, type Platform } from '../../shared/messaging/contract';
import { PLATFORM_ADAPTERS } from '../../shared/messaging/platforms';
import { generateMessagingBurst, type MediaSpec } from '../../scripts/lib/messaging-burst';
import { LOCAL_WEBHOOK_SECRETS } from '../fixtures/messaging-webhooks';

function burst(seed = 7) {
  const media: Array<{ platform: Platform; ref: string; spec: MediaSpec }> = [];
  const generated = generateMessagingBurst({
    messages: 400,
    conversations: 40,
    attachments: 8,
    forged: 9,
    redeliveryRatio: 0.05,
    lateRedeliveryRatio: 0.05,
    seed,
    now: Date.parse('2026-11-29T08:00:00Z'),
    secrets: LOCAL_WEBHOOK_SECRETS,
    putMedia: (platform, ref, spec) => {
      media.push({ platform, ref, spec });
      return platform === 'viber' ? `http://127.0.0.1:1/viber/media/${ref}` : ref;
    },
  });
  return { generated, media };
}

describe('messaging burst', () => {
  it('spreads the messages over conversations of all four platforms, in send order, with unique message ids', () => {
    const { generated } = burst();
    expect(generated.counts).toMatchObject({ messages: 400, conversations: 40, attachments: 8, forged: 9 });
    expect(PLATFORMS.every((p) => generated.counts.perPlatform[p] > 0)).toBe(true);
    expect(new Set(generated.expected.map((m) => m.messageId)).size).toBe(400);
    for (const conversation of generated.conversations) {
      const seqs = conversation.webhooks.filter((w) => w.kind === 'original').flatMap((w) => w.messages.map((m) => m.seq));
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
    expect(generated.counts.redeliveries).toBeGreaterThan(0);
    expect(generated.late.length).toBe(generated.counts.lateRedeliveries);
  });

  it('keeps every message exactly once and every attachment, whatever the seed (batches stop before an attachment)', () => {
    for (let seed = 1; seed <= 30; seed += 1) {
      const { generated } = burst(seed);
      expect(generated.counts.attachments, `seed ${seed}`).toBe(8);
      expect(new Set(generated.expected.map((m) => m.messageId)).size, `seed ${seed}`).toBe(400);
      expect(generated.expected.filter((m) => m.attachments > 0)).toHaveLength(8);
    }
  });

  it("yields, through the ingest's own adapters, exactly the expected messages: verified signature, message id, user and media", () => {
    const { generated, media } = burst();
    const seen: string[] = [];
    for (const conversation of generated.conversations) {
      for (const webhook of conversation.webhooks) {
        const adapter = PLATFORM_ADAPTERS[webhook.platform];
        expect(adapter.verify(Buffer.from(webhook.request.body), webhook.request.headers, LOCAL_WEBHOOK_SECRETS)).toEqual({ ok: true });
        const normalised = adapter.normalise(webhook.request.body);
        expect(normalised.messages.map((m) => m.messageId)).toEqual(webhook.messages.map((m) => m.messageId));
        expect(normalised.messages.every((m) => `${m.platform}:${m.userId}` === conversation.key)).toBe(true);
        for (const [i, message] of normalised.messages.entries()) {
          expect(message.attachments.length).toBe(webhook.messages[i]!.attachments);
          if (webhook.messages[i]!.text !== undefined) expect(message.text).toBe(webhook.messages[i]!.text);
          for (const attachment of message.attachments) {
            const ref = webhook.platform === 'viber' ? attachment.ref.split('/').pop() : attachment.ref;
            expect(media.some((m) => m.platform === webhook.platform && m.ref === ref)).toBe(true);
          }
        }
        if (webhook.kind === 'original') seen.push(...normalised.messages.map((m) => m.messageId));
        else expect(normalised.messages.map((m) => m.eventId)).toEqual(adapter.normalise(conversation.webhooks.find((w) => w.messages[0] === webhook.messages[0])!.request.body).messages.map((m) => m.eventId));
      }
    }
    expect(seen).toEqual(generated.expected.map((m) => m.messageId));
    expect(seen).toEqual(generated.conversations.flatMap((c) => c.webhooks.filter((w) => w.kind === 'original').flatMap((w) => w.messages.map((m) => m.messageId))));
    expect(generated.media).toHaveLength(8);
    for (const m of generated.media) expect(media.some((put) => put.platform === m.platform && put.ref === m.ref), `${m.platform} ${m.ref}`).toBe(true);
  });

  it('forges webhooks that the ingest refuses (wrong secret, tampered body, no signature)', () => {
    const { generated } = burst();
    expect(new Set(generated.forged.map((f) => f.how))).toEqual(new Set(['wrong-secret', 'tampered-body', 'no-signature']));
    for (const forged of generated.forged) {
      const verdict = PLATFORM_ADAPTERS[forged.platform].verify(Buffer.from(forged.request.body), forged.request.headers, LOCAL_WEBHOOK_SECRETS);
      expect(verdict.ok, `${forged.platform} ${forged.how}`).toBe(false);
      expect(generated.expected.some((m) => m.messageId === forged.messageId)).toBe(false);
    }
  });
});
