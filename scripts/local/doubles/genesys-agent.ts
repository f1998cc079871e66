// An agent on the Genesys double (opt-in): for each customer message the
// double accepts in a conversation the agent answers, Genesys sends the
// integration's outbound webhook, as it does when an agent types a reply:
// `X-Hub-Signature-256` over the raw body with the integration's outbound
// secret, `channel.to.id` = the customer's `channel.from.id`, `direction:
// "Outbound"`, `type: "Text"`, a fresh id. The webhook shape and signature come
// from the fixtures (test/fixtures/messaging-webhooks.ts), as every other
// sender of the local stack does.
//
// Genesys behaviour kept:
// - order: a conversation's replies go out one at a time; the next waits for
//   the previous one's final answer (as an agent types, and as Genesys
//   delivers a conversation's messages);
// - retries: a timeout, 429 or 5xx is resent up to 5 times, 5 s apart
//   (messaging-sender's postWebhook with Genesys's schedule); a share of
//   webhooks is also sent twice with the same id and bytes, as Genesys does
//   when it did not see the 200 in time;
// - attachments: `content[].attachment` with a download URL this double
//   serves (GET /api/v2/downloads/{ref}); the bytes are media-bytes.ts's
//   function of the reference, so their SHA-256 is known before anyone
//   fetches them.
//
// Which conversations, replies and retries: a deterministic share of a hash
// of the key (shareOf), so a run is reproducible and the demo can tell in
// advance which conversations the agent answers (agentAnswers).
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { buildGenesysOutboundWebhook, signGenesys } from '../../../test/fixtures/messaging-webhooks';
import { postWebhook } from '../../lib/messaging-sender';
import { mediaDigest, mediaStream } from './media-bytes';

export interface GenesysAgentOptions {
  /** The gateway's webhook for this integration (the ingest endpoint's Genesys route). */
  webhookUrl: string;
  /** The integration's outboundNotificationWebhookSignatureSecretToken. */
  secret: string;
  /** Share of conversations (by channel.from.id) the agent answers; default 1 (all). */
  conversationShare?: number;
  /** Share of replies with an image attachment; default 0.1. */
  attachmentShare?: number;
  /** Share of webhooks Genesys sends twice (same id and bytes); default 0.05. */
  retryShare?: number;
  /** Attachment sizes are drawn between 16 KiB and this (default 128 KiB). */
  maxAttachmentBytes?: number;
  /** Genesys's resend schedule after a timeout, 429 or 5xx (default 5 × 5 s). */
  resendDelaysMs?: readonly number[];
  /** Start away: replies are written and queued but sent only once the agent is set online. */
  away?: boolean;
}

export interface AgentAttachment {
  /** The download URL in the webhook (served by this double). */
  url: string;
  mime: string;
  filename: string;
  bytes: number;
  /** SHA-256 (hex) of the bytes served at url. */
  sha256: string;
}

export interface AgentReply {
  /** Genesys message id (the webhook's id; a retry repeats it). */
  id: string;
  conversationId: string;
  /** channel.to.id: the customer's channel.from.id. */
  toId: string;
  /** channel.messageId of the customer message answered. */
  inReplyTo: string;
  /** Order of the reply within its conversation, from 0. */
  seq: number;
  text: string;
  attachments: AgentAttachment[];
  /** Final HTTP status of each delivery of the webhook (two when retried; -1 = no answer). */
  posts: number[];
  /** Resends after a 5xx, 429 or no answer, over all deliveries. */
  resends: number;
  /** Genesys sent this webhook a second time (same id). */
  retried: boolean;
  /** When the first delivery got its final answer. */
  postedAt?: string;
}

/** Genesys retries an outbound webhook 5 times, 5 s apart (about 85 s with the timeouts). */
export const GENESYS_RESEND_DELAYS_MS: readonly number[] = [5_000, 5_000, 5_000, 5_000, 5_000];

export const AGENT_DOWNLOAD_PATH = /^\/api\/v2\/downloads\/([A-Za-z0-9._-]+)$/;

/** A deterministic share in [0, 1) of a key. */
export function shareOf(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** Whether an agent with this conversation share answers the customer with this channel.from.id. */
export function agentAnswers(fromId: string, conversationShare = 1): boolean {
  return conversationShare >= 1 || shareOf(`conversation:${fromId}`) < conversationShare;
}

export interface CustomerMessage {
  integrationId: string;
  fromId: string;
  messageId: string;
  conversationId: string;
}

export interface GenesysAgent {
  options: GenesysAgentOptions;
  /** A customer message the double accepted: queue the reply behind the conversation's previous one. */
  onInbound(message: CustomerMessage): void;
  replies(): AgentReply[];
  /** Resolves when every queued reply has had its final answer (an away agent's queue waits for it to come online). */
  idle(): Promise<void>;
  /** Away: replies wait in their conversation's queue; online: they go out, in order. */
  setOnline(online: boolean): void;
  /** Serves GET /api/v2/downloads/{ref}; false when the path is not a download. */
  serveDownload(path: string, res: ServerResponse): Promise<boolean>;
  /** Forgets the replies (the configuration stays). */
  clear(): void;
  /** No further webhooks (queued ones are abandoned). */
  stop(): void;
}

const MIN_ATTACHMENT_BYTES = 16 * 1024;

export function createGenesysAgent(options: GenesysAgentOptions, baseUrl: string): GenesysAgent {
  const conversationShare = options.conversationShare ?? 1;
  const attachmentShare = options.attachmentShare ?? 0.1;
  const retryShare = options.retryShare ?? 0.05;
  const maxBytes = Math.max(MIN_ATTACHMENT_BYTES, options.maxAttachmentBytes ?? 128 * 1024);
  const resendDelays = options.resendDelaysMs ?? GENESYS_RESEND_DELAYS_MS;
  const target = new URL(options.webhookUrl);

  let replies: AgentReply[] = [];
  const downloads = new Map<string, { bytes: number; mime: string; filename: string }>();
  const chains = new Map<string, Promise<void>>();
  const counts = new Map<string, number>();
  let stopped = false;
  let generation = 0;
  let online: Promise<void> = Promise.resolve();
  let comeOnline: (() => void) | undefined;
  const setOnline = (next: boolean) => {
    if (next) {
      comeOnline?.();
      comeOnline = undefined;
    } else if (!comeOnline) {
      online = new Promise<void>((resolve) => (comeOnline = resolve));
    }
  };
  if (options.away) setOnline(false);

  const deliver = async (reply: AgentReply, body: string): Promise<void> => {
    const request = { path: `${target.pathname}${target.search}`, headers: { 'Content-Type': 'application/json', ...signGenesys(body, options.secret) }, body };
    const counters = { resends: 0 };
    const status = await postWebhook(target.origin, request, counters, resendDelays).catch(() => -1);
    reply.resends += counters.resends;
    reply.posts.push(status);
  };

  const answer = async (reply: AgentReply, body: string, mine: number): Promise<void> => {
    await online;
    if (stopped || mine !== generation) return;
    await deliver(reply, body);
    reply.postedAt = new Date().toISOString();
    if (reply.retried && !stopped && mine === generation) await deliver(reply, body);
  };

  return {
    options,
    onInbound(message) {
      if (stopped || !agentAnswers(message.fromId, conversationShare)) return;
      const seq = counts.get(message.conversationId) ?? 0;
      counts.set(message.conversationId, seq + 1);
      const attachments: AgentAttachment[] = [];
      const attachmentSpecs: NonNullable<Parameters<typeof buildGenesysOutboundWebhook>[0]['attachments']> = [];
      if (shareOf(`attachment:${message.messageId}`) < attachmentShare) {
        const ref = createHash('sha256').update(`agent-file:${message.messageId}`).digest('hex').slice(0, 32);
        const bytes = MIN_ATTACHMENT_BYTES + Math.floor(shareOf(`size:${ref}`) * (maxBytes - MIN_ATTACHMENT_BYTES));
        const filename = `photo-${seq + 1}.jpg`;
        downloads.set(ref, { bytes, mime: 'image/jpeg', filename });
        const url = `${baseUrl}/api/v2/downloads/${ref}`;
        attachments.push({ url, mime: 'image/jpeg', filename, bytes, sha256: mediaDigest(ref, bytes) });
        attachmentSpecs.push({ mediaType: 'Image', url, mime: 'image/jpeg', filename, contentSizeBytes: bytes });
      }
      const text = `Agent reply ${seq + 1} to ${message.messageId}: thank you, I am looking into it.`;
      const hook = buildGenesysOutboundWebhook({
        toId: message.fromId,
        integrationId: message.integrationId,
        conversationId: message.conversationId,
        text,
        ...(attachmentSpecs.length ? { attachments: attachmentSpecs } : {}),
      });
      const id = hook.eventIds[0]!;
      const reply: AgentReply = {
        id,
        conversationId: message.conversationId,
        toId: message.fromId,
        inReplyTo: message.messageId,
        seq,
        text,
        attachments,
        posts: [],
        resends: 0,
        retried: shareOf(`retry:${id}`) < retryShare,
      };
      replies.push(reply);
      const mine = generation;
      const previous = chains.get(message.conversationId) ?? Promise.resolve();
      const next = previous.then(() => answer(reply, hook.body, mine));
      chains.set(message.conversationId, next);
      void next.finally(() => {
        if (chains.get(message.conversationId) === next) chains.delete(message.conversationId);
      });
    },
    replies: () => replies.map((r) => ({ ...r, posts: [...r.posts], attachments: [...r.attachments] })),
    setOnline,
    async idle() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
    async serveDownload(path, res) {
      const match = AGENT_DOWNLOAD_PATH.exec(path);
      if (!match) return false;
      const file = downloads.get(match[1]!);
      if (!file) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'The requested resource was not found.', code: 'not.found', status: 404 }));
        return true;
      }
      res.writeHead(200, { 'content-type': file.mime, 'content-length': String(file.bytes), 'content-disposition': `attachment; filename="${file.filename}"` });
      await pipeline(mediaStream(match[1]!, file.bytes), res);
      return true;
    },
    clear() {
      generation += 1;
      replies = [];
      downloads.clear();
      chains.clear();
      counts.clear();
    },
    stop() {
      stopped = true;
      setOnline(true);
    },
  };
}
