// The demo-messaging verdict must be able to fail: each way a gateway can go
// wrong (lose, duplicate, reorder, split or merge threads, let a forged
// webhook through, drop or corrupt an attachment) turns it from clean to failed.
import { describe, expect, it } from 'vitest';
import { describeVerdict, messagingVerdict, type AcceptedInbound, type AttachmentProbe, type SentMessage } from '../../scripts/lib/messaging-oracle';

/** Two conversations of three messages; the second message of `line:U1` has one attachment. */
function scenario() {
  const expected: SentMessage[] = [];
  for (const conversation of ['line:U1', 'viber:V2']) {
    for (let seq = 0; seq < 3; seq += 1) {
      expected.push({ conversation, seq, messageId: `${conversation}#${seq}`, text: `${conversation} says ${seq}`, attachments: conversation === 'line:U1' && seq === 1 ? 1 : 0 });
    }
  }
  const fromId = (conversation: string) => `from-${conversation}`;
  const inbound = (m: SentMessage, overrides: { fromId?: string; text?: string; attachments?: number } = {}): AcceptedInbound => ({
    acceptedAt: '2026-11-29T08:00:00.000Z',
    body: {
      channel: { from: { id: overrides.fromId ?? fromId(m.conversation), idType: 'Opaque' }, time: '2026-11-29T07:59:59.000Z', messageId: m.messageId },
      text: overrides.text ?? m.text,
      content: Array.from({ length: overrides.attachments ?? m.attachments }, (_, i) => ({ attachment: { mediaType: 'Image', url: `https://s3.local/${m.messageId}/${i}`, mime: 'image/jpeg' } })),
    },
  });
  // Interleaved across conversations, in order within each: what a correct gateway produces.
  const received = [expected[0]!, expected[3]!, expected[1]!, expected[4]!, expected[2]!, expected[5]!].map((m) => inbound(m));
  const probes: AttachmentProbe[] = [{ messageId: 'line:U1#1', url: 'https://s3.local/line:U1#1/0', status: 200, sha256: 'abc', expectedSha256: 'abc' }];
  const badSignatures = [{ messageId: 'forged-1', status: 401 }];
  return { expected, received, probes, badSignatures, inbound };
}

describe('messaging verdict', () => {
  it('is clean when every message arrived once, in order, one thread per conversation, forged webhooks refused, attachments intact', () => {
    const s = scenario();
    const verdict = messagingVerdict({ expected: s.expected, received: s.received, badSignatures: s.badSignatures, attachmentProbes: s.probes });
    expect(verdict).toMatchObject({ clean: true, expected: 6, received: 6, delivered: 6, lost: 0, duplicated: 0, attachments: { expected: 1, received: 1, reachable: 1 } });
    expect(describeVerdict(verdict)).toMatch(/^VERDICT: CLEAN/);
  });

  it('fails on a lost message', () => {
    const s = scenario();
    const verdict = messagingVerdict({ expected: s.expected, received: s.received.filter((_, i) => i !== 4), badSignatures: s.badSignatures, attachmentProbes: s.probes });
    expect(verdict).toMatchObject({ clean: false, lost: 1 });
    expect(verdict.examples.join()).toContain('line:U1#2');
    expect(describeVerdict(verdict)).toMatch(/^VERDICT: FAILED — lost = 1/);
  });

  it('fails on a duplicate, even one that arrives much later', () => {
    const s = scenario();
    const verdict = messagingVerdict({ expected: s.expected, received: [...s.received, s.received[3]!], badSignatures: s.badSignatures, attachmentProbes: s.probes });
    expect(verdict).toMatchObject({ clean: false, duplicated: 1, lost: 0 });
  });

  it('fails when a conversation is reordered, and only counts that conversation', () => {
    const s = scenario();
    const swapped = [s.received[2]!, s.received[1]!, s.received[0]!, s.received[3]!, s.received[4]!, s.received[5]!];
    const verdict = messagingVerdict({ expected: s.expected, received: swapped, badSignatures: s.badSignatures, attachmentProbes: s.probes });
    expect(verdict).toMatchObject({ clean: false, reorderedConversations: 1, lost: 0, duplicated: 0 });
    expect(verdict.examples.join()).toContain('line:U1: #0 was accepted after #1');
  });

  it('fails when a conversation is split over two channel.from.ids or two share one', () => {
    const s = scenario();
    const splitting = [...s.received];
    splitting[2] = s.inbound(s.expected[1]!, { fromId: 'someone-else' });
    expect(messagingVerdict({ expected: s.expected, received: splitting, badSignatures: s.badSignatures, attachmentProbes: s.probes })).toMatchObject({ clean: false, splitThreads: 1 });
    const merging = s.expected.map((m) => s.inbound(m, { fromId: 'one-for-all' }));
    expect(messagingVerdict({ expected: s.expected, received: merging, badSignatures: s.badSignatures, attachmentProbes: s.probes })).toMatchObject({ clean: false, mergedThreads: 1 });
  });

  it('fails when a forged webhook reaches Genesys or is answered anything but 401', () => {
    const s = scenario();
    const forged = s.inbound({ conversation: 'line:U1', seq: 9, messageId: 'forged-1', text: 'forged', attachments: 0 });
    const reached = messagingVerdict({ expected: s.expected, received: [...s.received, forged], badSignatures: s.badSignatures, attachmentProbes: s.probes });
    expect(reached).toMatchObject({ clean: false, unexpected: 1, badSignatures: { sent: 1, refused: 1, reachedGenesys: 1 } });
    const accepted = messagingVerdict({ expected: s.expected, received: s.received, badSignatures: [{ messageId: 'forged-1', status: 200 }], attachmentProbes: s.probes });
    expect(accepted).toMatchObject({ clean: false, badSignatures: { sent: 1, refused: 0 } });
  });

  it('fails on an altered text, a missing attachment, or an attachment URL that is dead or serves other bytes', () => {
    const s = scenario();
    const altered = [...s.received];
    altered[0] = s.inbound(s.expected[0]!, { text: 'something else' });
    expect(messagingVerdict({ expected: s.expected, received: altered, badSignatures: s.badSignatures, attachmentProbes: s.probes })).toMatchObject({ clean: false, textMismatches: 1 });
    const stripped = [...s.received];
    stripped[2] = s.inbound(s.expected[1]!, { attachments: 0 });
    expect(messagingVerdict({ expected: s.expected, received: stripped, badSignatures: s.badSignatures, attachmentProbes: [] })).toMatchObject({ clean: false, attachments: { received: 0 } });
    const expired: AttachmentProbe[] = [{ ...s.probes[0]!, status: 403, sha256: undefined }];
    expect(messagingVerdict({ expected: s.expected, received: s.received, badSignatures: s.badSignatures, attachmentProbes: expired })).toMatchObject({ clean: false, attachments: { reachable: 0 } });
    const corrupted: AttachmentProbe[] = [{ ...s.probes[0]!, sha256: 'def' }];
    expect(messagingVerdict({ expected: s.expected, received: s.received, badSignatures: s.badSignatures, attachmentProbes: corrupted }).clean).toBe(false);
  });
});
