// The outbound half of `make demo-messaging`'s verdict: what the Genesys
// double's agent sent (its reply log) against what the platform double
// accepted (/__double/sent, /__double/send-refusals) and the receipts the
// Genesys double received (/__double/receipts). Pure: the demo gathers the
// doubles' logs and this decides; nothing here reads the code under test.
//
// A send is matched to its reply by what the customer sees: the reply's text
// (unique per reply) or an attachment's SHA-256 (unique bytes per reply), in
// the conversation the reply was addressed to (channel.to.id =
// `<platform>:<user>`). A reply is delivered when its text and each of its
// attachments were accepted exactly once with the bytes the agent attached;
// the conversation's order is the order of the sends in the double's log.
//
// Rates are measured on when the double admitted each send (admittedAt): the
// most sends in any window of `windowMs`, per platform and per Telegram chat.
// One LINE push of several messages is one request.
import type { AgentReply } from '../local/doubles/genesys-agent';
import type { SendRefusal, SentMessage as PlatformSend } from '../local/doubles/platform-send-routes';
import type { Platform } from '../../shared/messaging/contract';
import type { AcceptedInbound } from './messaging-oracle';

export type RateKey = Platform | 'telegramPerChat';

export interface OutboundVerdictInput {
  replies: AgentReply[];
  sent: PlatformSend[];
  refusals: SendRefusal[];
  /** Bodies of the Genesys double's /__double/receipts. */
  receipts: unknown[];
  /** channel.to.id → the receipt reason the demo's injected refusal must produce (Failed). */
  injected: Map<string, string>;
  /** Configured sends per second (the dispatcher's and the double's). */
  limits: Record<RateKey, number>;
  /** The rate window the verdict judges by (the double's: 1 s less its network allowance). */
  windowMs: number;
  /** Platform echoes the demo sent back to the ingest endpoint. */
  echoes: { sent: number; accepted: number; ids: Set<string> };
  /** The Genesys double's /__double/inbound after the echoes. */
  inbound: AcceptedInbound[];
}

export interface RateFigure {
  configured: number;
  /** Most sends admitted in any window of windowMs. */
  max: number;
  /** Most sends admitted in any 1,000 ms window (no allowance). */
  maxStrict1s: number;
  /** Sends the double refused for this limit (the dispatcher held and retried them). */
  refusedForRate: number;
}

export interface OutboundVerdict {
  clean: boolean;
  replies: number;
  /** Replies whose webhook the ingest endpoint answered 200. */
  posted: number;
  retriedWebhooks: number;
  /** Webhook resends after a 5xx, 429 or no answer. */
  webhookResends: number;
  /** Replies expected at the platforms (not in a conversation with an injected refusal). */
  expectedDelivered: number;
  delivered: number;
  lost: number;
  /** Extra copies of a reply's text or attachment. */
  duplicated: number;
  /** Sends matching no reply of their conversation. */
  unexpectedSends: number;
  reorderedConversations: number;
  attachments: { expected: number; delivered: number };
  receipts: { expected: number; received: number; byStatus: Record<string, number>; missing: number; duplicated: number; wrong: number; unknown: number };
  injectedFailures: { replies: number; failedWithRightReason: number };
  rates: Record<RateKey, RateFigure>;
  echoes: { sent: number; accepted: number; ingested: number };
  examples: string[];
}

interface ReceiptView {
  id?: string;
  status?: string;
  reason?: string;
}

function receiptView(body: unknown): ReceiptView {
  const b = (body ?? {}) as { id?: unknown; status?: unknown; reasons?: Array<{ code?: unknown }> };
  const reason = Array.isArray(b.reasons) ? b.reasons[0]?.code : undefined;
  return {
    ...(typeof b.id === 'string' ? { id: b.id } : {}),
    ...(typeof b.status === 'string' ? { status: b.status } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

/** The most instants inside any half-open window [t, t + windowMs). */
export function maxInWindow(instants: number[], windowMs: number): number {
  const sorted = [...instants].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/** One instant per platform request (a LINE push logs one entry per message with the same admittedAt and retry key). */
function requestInstants(sends: PlatformSend[]): number[] {
  const seen = new Set<string>();
  const instants: number[] = [];
  sends.forEach((s, index) => {
    const key = s.platform === 'line' && s.retryKey ? `${s.retryKey}|${s.admittedAt}` : String(index);
    if (seen.has(key)) return;
    seen.add(key);
    instants.push(Date.parse(s.admittedAt));
  });
  return instants;
}

const RATE_REFUSAL: Record<Platform, (r: SendRefusal) => boolean> = {
  line: (r) => r.status === 429,
  telegram: (r) => r.status === 429 && r.why === 'rate',
  viber: (r) => r.why === 'status 12',
  whatsapp: (r) => r.why === '130429',
};

type Note = (problem: string) => void;

/** Each send matched to the reply parts it carries (text or attachment bytes, same conversation); order per conversation. */
function matchSends(input: OutboundVerdictInput, note: Note) {
  const byText = new Map<string, AgentReply>();
  const bySha = new Map<string, { reply: AgentReply; index: number }>();
  for (const reply of input.replies) {
    byText.set(`${reply.toId}|${reply.text}`, reply);
    reply.attachments.forEach((a, index) => bySha.set(`${reply.toId}|${a.sha256}`, { reply, index }));
  }
  const copies = new Map<string, number>(); // `${replyId}|text` or `${replyId}|a${n}` → copies accepted
  const count = (key: string) => copies.set(key, (copies.get(key) ?? 0) + 1);
  let unexpectedSends = 0;
  const orderByConversation = new Map<string, AgentReply[]>();
  for (const send of input.sent) {
    const toId = `${send.platform}:${send.to}`;
    const parts: AgentReply[] = [];
    if (send.text !== undefined && send.text !== '') {
      const reply = byText.get(`${toId}|${send.text}`);
      if (reply) {
        count(`${reply.id}|text`);
        parts.push(reply);
      } else {
        unexpectedSends += 1;
        note(`${toId}: a text no reply of this conversation has (${JSON.stringify(send.text).slice(0, 60)})`);
      }
    }
    for (const attachment of send.attachments) {
      const hit = attachment.sha256 === undefined ? undefined : bySha.get(`${toId}|${attachment.sha256}`);
      if (hit) {
        count(`${hit.reply.id}|a${hit.index}`);
        parts.push(hit.reply);
      } else {
        unexpectedSends += 1;
        note(`${toId}: an attachment (${attachment.kind}, sha256 ${attachment.sha256 ?? 'not fetched'}) that no reply of this conversation carries`);
      }
    }
    orderByConversation.set(toId, [...(orderByConversation.get(toId) ?? []), ...parts]);
  }
  let reordered = 0;
  for (const [toId, replies] of orderByConversation) {
    const at = replies.findIndex((r, i) => i > 0 && r.seq < replies[i - 1]!.seq);
    if (at > 0) {
      reordered += 1;
      note(`${toId}: reply #${replies[at]!.seq + 1} reached the platform after reply #${replies[at - 1]!.seq + 1}`);
    }
  }
  return { copies, unexpectedSends, reordered };
}

/** Replies whose every part was accepted; extra copies; nothing for a customer whose platform refuses. */
function judgeDeliveries(input: OutboundVerdictInput, copies: Map<string, number>, note: Note) {
  const figures = { expectedDelivered: 0, delivered: 0, lost: 0, duplicated: 0, attachments: { expected: 0, delivered: 0 } };
  for (const reply of input.replies) {
    const parts = [`${reply.id}|text`, ...reply.attachments.map((_, n) => `${reply.id}|a${n}`)];
    for (const part of parts) figures.duplicated += Math.max(0, (copies.get(part) ?? 0) - 1);
    if (input.injected.has(reply.toId)) {
      for (const part of parts.filter((p) => copies.has(p))) note(`reply ${reply.id} to ${reply.toId} (refusal injected) still reached the platform (${part})`);
      continue;
    }
    figures.expectedDelivered += 1;
    figures.attachments.expected += reply.attachments.length;
    figures.attachments.delivered += reply.attachments.filter((_, n) => copies.has(`${reply.id}|a${n}`)).length;
    const missing = parts.filter((p) => !copies.has(p));
    if (missing.length === 0) {
      figures.delivered += 1;
      continue;
    }
    figures.lost += 1;
    note(
      `reply ${reply.id} (${reply.toId} #${reply.seq + 1}) ${
        reply.posts[0] === 200 ? `never fully reached the platform (${missing.length} of ${parts.length} parts missing)` : `was not accepted by the gateway's webhook (answers ${reply.posts.join(', ') || 'none'})`
      }`,
    );
  }
  return figures;
}

/** Exactly one receipt per reply: Delivered, or Failed with the injected refusal's reason. */
function judgeReceipts(input: OutboundVerdictInput, note: Note): { receipts: OutboundVerdict['receipts']; injectedFailures: OutboundVerdict['injectedFailures'] } {
  const receipts = { expected: input.replies.length, received: input.receipts.length, byStatus: {} as Record<string, number>, missing: 0, duplicated: 0, wrong: 0, unknown: 0 };
  const injectedFailures = { replies: 0, failedWithRightReason: 0 };
  const byId = new Map<string, ReceiptView[]>();
  const replyIds = new Set(input.replies.map((r) => r.id));
  for (const body of input.receipts) {
    const view = receiptView(body);
    const status = view.status ?? 'missing';
    receipts.byStatus[status] = (receipts.byStatus[status] ?? 0) + 1;
    if (view.id === undefined || !replyIds.has(view.id)) {
      receipts.unknown += 1;
      note(`a receipt for ${view.id ?? 'no id'}, which no agent reply has`);
    } else byId.set(view.id, [...(byId.get(view.id) ?? []), view]);
  }
  for (const reply of input.replies) {
    const got = byId.get(reply.id) ?? [];
    if (got.length === 0) {
      receipts.missing += 1;
      note(`reply ${reply.id} (${reply.toId} #${reply.seq + 1}) has no receipt at Genesys`);
      continue;
    }
    receipts.duplicated += got.length - 1;
    if (got.length > 1) note(`reply ${reply.id} has ${got.length} receipts`);
    const reason = input.injected.get(reply.toId);
    const first = got[0]!;
    const right = reason === undefined ? first.status === 'Delivered' : first.status === 'Failed' && first.reason === reason;
    if (reason !== undefined) injectedFailures.replies += 1;
    if (right && reason !== undefined) injectedFailures.failedWithRightReason += 1;
    if (!right) {
      receipts.wrong += 1;
      note(`reply ${reply.id} to ${reply.toId}: receipt ${first.status}${first.reason ? `/${first.reason}` : ''}, expected ${reason === undefined ? 'Delivered' : `Failed/${reason}`}`);
    }
  }
  return { receipts, injectedFailures };
}

/** The most sends the double admitted per window, per platform and per Telegram chat, and its refusals for rate. */
function measureRates(input: OutboundVerdictInput, note: Note): Record<RateKey, RateFigure> {
  const figure = (key: RateKey, series: number[][], refusedForRate: number): RateFigure => ({
    configured: input.limits[key],
    max: Math.max(0, ...series.map((t) => maxInWindow(t, input.windowMs))),
    maxStrict1s: Math.max(0, ...series.map((t) => maxInWindow(t, 1000))),
    refusedForRate,
  });
  const rates = {} as Record<RateKey, RateFigure>;
  for (const platform of ['line', 'telegram', 'viber', 'whatsapp'] as const) {
    const refused = input.refusals.filter((r) => r.platform === platform && RATE_REFUSAL[platform](r)).length;
    rates[platform] = figure(platform, [requestInstants(input.sent.filter((s) => s.platform === platform))], refused);
  }
  const chats = new Map<string, number[]>();
  for (const s of input.sent.filter((s) => s.platform === 'telegram')) chats.set(s.to, [...(chats.get(s.to) ?? []), Date.parse(s.admittedAt)]);
  rates.telegramPerChat = figure('telegramPerChat', [...chats.values()], input.refusals.filter((r) => r.platform === 'telegram' && r.why === 'rate-per-chat').length);
  for (const [key, f] of Object.entries(rates)) {
    if (f.max > f.configured) note(`${key}: ${f.max} sends admitted within ${input.windowMs} ms, over the configured ${f.configured}/s`);
  }
  return rates;
}

/** Genesys inbound records that are a platform's echo of a reply (its id, or the reply's text coming back). */
function countEchoesIngested(input: OutboundVerdictInput, note: Note): number {
  const replyTexts = new Set(input.replies.map((r) => r.text));
  let ingested = 0;
  for (const record of input.inbound) {
    const b = (record.body ?? {}) as { channel?: { messageId?: unknown }; text?: unknown };
    const messageId = typeof b.channel?.messageId === 'string' ? b.channel.messageId : undefined;
    if ((messageId !== undefined && input.echoes.ids.has(messageId)) || (typeof b.text === 'string' && replyTexts.has(b.text))) {
      ingested += 1;
      note(`an echo reached Genesys as a customer message (channel.messageId ${messageId ?? 'missing'})`);
    }
  }
  return ingested;
}

export function outboundVerdict(input: OutboundVerdictInput): OutboundVerdict {
  const examples: string[] = [];
  const note: Note = (problem) => {
    if (examples.length < 10) examples.push(problem);
  };
  const { copies, unexpectedSends, reordered } = matchSends(input, note);
  const deliveries = judgeDeliveries(input, copies, note);
  const { receipts, injectedFailures } = judgeReceipts(input, note);
  const rates = measureRates(input, note);
  const echoesIngested = countEchoesIngested(input, note);
  const posted = input.replies.filter((r) => r.posts[0] === 200).length;
  const verdict: OutboundVerdict = {
    clean: false,
    replies: input.replies.length,
    posted,
    retriedWebhooks: input.replies.filter((r) => r.retried).length,
    webhookResends: input.replies.reduce((sum, r) => sum + r.resends, 0),
    ...deliveries,
    unexpectedSends,
    reorderedConversations: reordered,
    receipts,
    injectedFailures,
    rates,
    echoes: { sent: input.echoes.sent, accepted: input.echoes.accepted, ingested: echoesIngested },
    examples,
  };
  verdict.clean =
    input.replies.length > 0 &&
    posted === input.replies.length &&
    deliveries.lost === 0 &&
    deliveries.duplicated === 0 &&
    unexpectedSends === 0 &&
    reordered === 0 &&
    deliveries.attachments.delivered === deliveries.attachments.expected &&
    receipts.missing === 0 &&
    receipts.duplicated === 0 &&
    receipts.wrong === 0 &&
    receipts.unknown === 0 &&
    Object.values(rates).every((r) => r.max <= r.configured) &&
    input.echoes.accepted === input.echoes.sent &&
    echoesIngested === 0;
  return verdict;
}

/** One line for the report. */
export function describeOutboundVerdict(v: OutboundVerdict): string {
  const rates = (Object.entries(v.rates) as Array<[RateKey, RateFigure]>).map(([k, r]) => `${k} ${r.max}/${r.configured}`).join(', ');
  const receipts = Object.entries(v.receipts.byStatus).map(([s, n]) => `${n} ${s}`).join(', ');
  if (v.clean) {
    return (
      `OUTBOUND: CLEAN — ${v.delivered}/${v.expectedDelivered} agent replies reached the platform once each, in order per conversation, ` +
      `${v.attachments.delivered}/${v.attachments.expected} attachments with the agent's bytes, ${v.retriedWebhooks} retried webhooks sent once; ` +
      `one receipt per reply (${receipts}; ${v.injectedFailures.failedWithRightReason}/${v.injectedFailures.replies} injected refusals Failed with the platform's reason); ` +
      `rate limits kept (max per window/configured: ${rates}); ${v.echoes.sent} echoes, 0 ingested`
    );
  }
  return (
    `OUTBOUND: FAILED — posted ${v.posted}/${v.replies}, delivered ${v.delivered}/${v.expectedDelivered}, lost = ${v.lost}, duplicated = ${v.duplicated}, ` +
    `unexpected sends = ${v.unexpectedSends}, reordered conversations = ${v.reorderedConversations}, attachments ${v.attachments.delivered}/${v.attachments.expected}; ` +
    `receipts missing = ${v.receipts.missing}, duplicated = ${v.receipts.duplicated}, wrong = ${v.receipts.wrong}, unknown = ${v.receipts.unknown}; ` +
    `rates (max/configured) ${rates}; echoes accepted ${v.echoes.accepted}/${v.echoes.sent}, ingested ${v.echoes.ingested}` +
    (v.examples.length ? `; e.g. ${v.examples.slice(0, 5).join('; ')}` : '')
  );
}
