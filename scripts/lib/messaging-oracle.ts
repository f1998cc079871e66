// The verdict of `make demo-messaging`: what the Genesys double accepted
// (its /__double/inbound log, in acceptance order) against what the platforms
// sent. Pure: the demo gathers the inputs (sent messages, refused attempts,
// the double's log, attachment downloads) and this decides.
//
// A message is known by its platform message id (Genesys channel.messageId),
// which the demo makes unique across the burst. Conversation = platform +
// user; within one, the platform's send order (seq) must be the order Genesys
// accepted them in. Genesys threads by channel.from.id, so a conversation must
// arrive under exactly one from.id and no two conversations under the same one.

export interface SentMessage {
  /** platform:userId, the demo's conversation key. */
  conversation: string;
  /** Send order within the conversation (platform timestamps follow it). */
  seq: number;
  /** Platform message id: what the forwarder puts in channel.messageId. */
  messageId: string;
  text?: string;
  /** How many content[].attachment Genesys should get with it. */
  attachments: number;
}

/** A webhook the demo sent with a bad or missing signature, and what the ingest answered. */
export interface RefusedAttempt {
  messageId: string;
  status: number;
}

/** One entry of the Genesys double's /__double/inbound. */
export interface AcceptedInbound {
  body: unknown;
  acceptedAt: string;
}

/** A GET of an attachment URL Genesys received, with the digest of what came back. */
export interface AttachmentProbe {
  messageId: string;
  url: string;
  status: number;
  sha256?: string;
  /** Digest of the file on the platform double. */
  expectedSha256: string;
}

export interface MessagingVerdict {
  clean: boolean;
  expected: number;
  /** Entries in the double's log. */
  received: number;
  /** Expected messages received at least once. */
  delivered: number;
  lost: number;
  /** Extra copies of messages received more than once. */
  duplicated: number;
  /** Received messages nobody expected (includes bad-signature ones that got through). */
  unexpected: number;
  reorderedConversations: number;
  /** Conversations that arrived under more than one channel.from.id. */
  splitThreads: number;
  /** channel.from.ids shared by more than one conversation. */
  mergedThreads: number;
  textMismatches: number;
  badSignatures: { sent: number; refused: number; reachedGenesys: number };
  attachments: { expected: number; received: number; reachable: number };
  /** Up to 10 concrete problems, for the report. */
  examples: string[];
}

interface InboundView {
  messageId?: string;
  fromId?: string;
  text?: string;
  attachmentUrls: string[];
}

function view(body: unknown): InboundView {
  const b = (body ?? {}) as { channel?: { messageId?: unknown; from?: { id?: unknown } }; text?: unknown; content?: unknown };
  const content = Array.isArray(b.content) ? (b.content as Array<{ attachment?: { url?: unknown } }>) : [];
  return {
    ...(typeof b.channel?.messageId === 'string' ? { messageId: b.channel.messageId } : {}),
    ...(typeof b.channel?.from?.id === 'string' ? { fromId: b.channel.from.id } : {}),
    ...(typeof b.text === 'string' ? { text: b.text } : {}),
    attachmentUrls: content.flatMap((c) => (typeof c.attachment?.url === 'string' ? [c.attachment.url] : [])),
  };
}

export function messagingVerdict(input: {
  expected: SentMessage[];
  badSignatures: RefusedAttempt[];
  received: AcceptedInbound[];
  attachmentProbes?: AttachmentProbe[];
}): MessagingVerdict {
  const examples: string[] = [];
  const note = (problem: string): void => {
    if (examples.length < 10) examples.push(problem);
  };
  const expectedById = new Map(input.expected.map((m) => [m.messageId, m]));
  const badIds = new Set(input.badSignatures.map((a) => a.messageId));

  const seen = new Map<string, number>();
  const firstCopies: Array<{ sent: SentMessage; view: InboundView }> = [];
  let unexpected = 0;
  let badReached = 0;
  for (const record of input.received) {
    const v = view(record.body);
    const sent = v.messageId === undefined ? undefined : expectedById.get(v.messageId);
    if (!sent) {
      unexpected += 1;
      if (v.messageId !== undefined && badIds.has(v.messageId)) {
        badReached += 1;
        note(`message ${v.messageId} had a bad signature and still reached Genesys`);
      } else {
        note(`Genesys received an unexpected message (channel.messageId ${v.messageId ?? 'missing'})`);
      }
      continue;
    }
    const copies = (seen.get(sent.messageId) ?? 0) + 1;
    seen.set(sent.messageId, copies);
    if (copies === 1) firstCopies.push({ sent, view: v });
    else note(`message ${sent.messageId} (${sent.conversation} #${sent.seq}) reached Genesys ${copies} times`);
  }
  const duplicated = [...seen.values()].reduce((sum, copies) => sum + copies - 1, 0);
  const lostMessages = input.expected.filter((m) => !seen.has(m.messageId));
  for (const m of lostMessages.slice(0, 3)) note(`message ${m.messageId} (${m.conversation} #${m.seq}) never reached Genesys`);

  // Order and threading, per conversation, on the first copy of each message in acceptance order.
  const byConversation = new Map<string, Array<{ sent: SentMessage; view: InboundView }>>();
  for (const entry of firstCopies) {
    const list = byConversation.get(entry.sent.conversation) ?? [];
    list.push(entry);
    byConversation.set(entry.sent.conversation, list);
  }
  let reordered = 0;
  let split = 0;
  const conversationsByFromId = new Map<string, Set<string>>();
  for (const [conversation, entries] of byConversation) {
    const outOfOrder = entries.findIndex((e, i) => i > 0 && e.sent.seq < entries[i - 1]!.sent.seq);
    if (outOfOrder > 0) {
      reordered += 1;
      note(`${conversation}: #${entries[outOfOrder]!.sent.seq} was accepted after #${entries[outOfOrder - 1]!.sent.seq}`);
    }
    const fromIds = new Set(entries.map((e) => e.view.fromId ?? '(missing)'));
    if (fromIds.size > 1) {
      split += 1;
      note(`${conversation} arrived under ${fromIds.size} channel.from.ids: Genesys would open ${fromIds.size} threads`);
    }
    for (const fromId of fromIds) conversationsByFromId.set(fromId, (conversationsByFromId.get(fromId) ?? new Set()).add(conversation));
  }
  let merged = 0;
  for (const [fromId, conversations] of conversationsByFromId) {
    if (conversations.size > 1) {
      merged += 1;
      note(`channel.from.id ${fromId} carries ${conversations.size} conversations (${[...conversations].slice(0, 3).join(', ')})`);
    }
  }

  let textMismatches = 0;
  let attachmentsReceived = 0;
  for (const { sent, view: v } of firstCopies) {
    if (sent.text !== undefined && v.text !== sent.text) {
      textMismatches += 1;
      note(`message ${sent.messageId}: text ${JSON.stringify(v.text)} instead of ${JSON.stringify(sent.text)}`);
    }
    attachmentsReceived += Math.min(v.attachmentUrls.length, sent.attachments);
    if (v.attachmentUrls.length !== sent.attachments) note(`message ${sent.messageId}: ${v.attachmentUrls.length} attachments instead of ${sent.attachments}`);
  }
  const expectedAttachments = input.expected.reduce((sum, m) => sum + m.attachments, 0);
  const probes = input.attachmentProbes ?? [];
  const reachable = probes.filter((p) => p.status === 200 && p.sha256 === p.expectedSha256).length;
  for (const p of probes.filter((p) => !(p.status === 200 && p.sha256 === p.expectedSha256))) {
    note(`attachment of ${p.messageId}: GET answered ${p.status}${p.status === 200 ? ' with different bytes than the platform served' : ''}`);
  }

  const refused = input.badSignatures.filter((a) => a.status === 401).length;
  for (const a of input.badSignatures.filter((a) => a.status !== 401).slice(0, 3)) note(`bad signature on ${a.messageId} answered ${a.status}, not 401`);

  const verdict: MessagingVerdict = {
    clean: false,
    expected: input.expected.length,
    received: input.received.length,
    delivered: seen.size,
    lost: lostMessages.length,
    duplicated,
    unexpected,
    reorderedConversations: reordered,
    splitThreads: split,
    mergedThreads: merged,
    textMismatches,
    badSignatures: { sent: input.badSignatures.length, refused, reachedGenesys: badReached },
    attachments: { expected: expectedAttachments, received: attachmentsReceived, reachable },
    examples,
  };
  verdict.clean =
    verdict.lost === 0 &&
    verdict.duplicated === 0 &&
    verdict.unexpected === 0 &&
    verdict.reorderedConversations === 0 &&
    verdict.splitThreads === 0 &&
    verdict.mergedThreads === 0 &&
    verdict.textMismatches === 0 &&
    refused === input.badSignatures.length &&
    attachmentsReceived === expectedAttachments &&
    reachable === expectedAttachments &&
    probes.length === expectedAttachments;
  return verdict;
}

/** One line for the report. */
export function describeVerdict(v: MessagingVerdict): string {
  if (v.clean) {
    return (
      `VERDICT: CLEAN — ${v.delivered}/${v.expected} messages reached Genesys once each, lost = 0, duplicated = 0, ` +
      `per-conversation order kept, one thread per conversation, ${v.badSignatures.refused}/${v.badSignatures.sent} bad signatures refused (401), ` +
      `${v.attachments.reachable}/${v.attachments.expected} attachments reachable with the platform's bytes`
    );
  }
  return (
    `VERDICT: FAILED — lost = ${v.lost}, duplicated = ${v.duplicated}, unexpected = ${v.unexpected}, reordered conversations = ${v.reorderedConversations}, ` +
    `split threads = ${v.splitThreads}, merged threads = ${v.mergedThreads}, text mismatches = ${v.textMismatches}, ` +
    `bad signatures refused ${v.badSignatures.refused}/${v.badSignatures.sent} (reached Genesys: ${v.badSignatures.reachedGenesys}), ` +
    `attachments ${v.attachments.received}/${v.attachments.expected} received, ${v.attachments.reachable} reachable` +
    (v.examples.length ? `; e.g. ${v.examples.slice(0, 5).join('; ')}` : '')
  );
}
