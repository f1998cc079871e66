// The forwarder on the local AWS, through the bundles that ship
// (dist/messaging-forwarder, dist/messaging-token-refresher), against the
// Genesys and platform doubles: order per conversation, deduplication past
// the FIFO window, one shared token, 401 and 429 handling, permanent failures
// to the DLQ with their reason, attachments through S3.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ChangeMessageVisibilityBatchCommand, CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../../scripts/local/aws-env';
import { startMessagingStack, type MessagingSession, type MessagingStackOptions } from '../../scripts/local/messaging-stack';
import { resetMoto } from '../../scripts/local/moto';
import { documentClient, dynamoDbClient } from '../../shared/aws/clients';
import { attachmentKey } from '../../shared/messaging/attachments';
import { conversationKey, type InboundMessage } from '../../shared/messaging/contract';
import { ConversationDiversion } from '../../shared/messaging/forwarder/diversion';
import { DynamoRateLimiter } from '../../shared/messaging/rate-limit';
import { attachmentRef, inboundMessage, inboundSqsEntry } from '../fixtures/inbound-messages';
import { drainForInspection } from './dlq';
import { localAwsEndpoint } from './local-aws';

/** Quick retries without changing semantics. */
export const QUICK_FORWARDER: MessagingStackOptions = {
  forwarderEnv: { RETRY_BACKOFF_BASE_SECONDS: '1', RETRY_BACKOFF_CAP_SECONDS: '2' },
  mapping: { maxConcurrency: 3 },
  tokenRefreshIntervalMs: 3_600_000,
  // Messages are enqueued as the ingest function would; its endpoint is tested in messaging-ingest.test.ts.
  ingest: false,
  // Nothing here goes outbound (messaging-dispatcher.test.ts): no dispatcher instances to start and poll beside the forwarder.
  dispatchers: false,
};

let session: MessagingSession | undefined;
afterEach(async () => {
  await session?.stop();
  session = undefined;
});

async function freshMessaging(options: MessagingStackOptions = {}): Promise<MessagingSession> {
  const endpoint = localAwsEndpoint();
  useLocalAws(endpoint);
  await resetMoto(endpoint);
  session = await startMessagingStack({
    ...QUICK_FORWARDER,
    ...options,
    forwarderEnv: { ...QUICK_FORWARDER.forwarderEnv, ...options.forwarderEnv },
  });
  return session;
}

const sqs = () => new SQSClient({});

async function enqueue(s: MessagingSession, messages: InboundMessage[], dedupOverride?: (m: InboundMessage) => string): Promise<void> {
  const client = sqs();
  for (const m of messages) await client.send(new SendMessageCommand(inboundSqsEntry(m, s.stack.queues.inbound.url, dedupOverride?.(m))));
}

/** Messages of `conversations` users, `perConversation` each, interleaved as a burst would arrive. */
function conversationsOf(conversations: number, perConversation: number, platform: InboundMessage['platform'] = 'line'): InboundMessage[][] {
  return Array.from({ length: conversations }, (_, c) => {
    const userId = `user-${c}-${Math.random().toString(36).slice(2, 8)}`;
    return Array.from({ length: perConversation }, (_, n) => inboundMessage({ platform, userId, text: `c${c} #${n}` }));
  });
}

const interleave = <T>(lists: T[][]): T[] => {
  const out: T[] = [];
  for (let i = 0; i < Math.max(...lists.map((l) => l.length)); i++) for (const l of lists) if (l[i]) out.push(l[i]!);
  return out;
};

/** A loopback media host that streams `bytes` without Content-Length, and counts what it managed to send. */
async function chunkedMediaServer(bytes: number) {
  let sent = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      while (sent < bytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/media/clip.mp4`,
    bytesSent: () => sent,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface DeliveredBody {
  channel: { from: { id: string }; messageId: string };
  text?: string;
  content?: Array<{ attachment: { url: string; mime: string; mediaType: string } }>;
}

/** messageIds Genesys accepted, per from.id, in acceptance order. */
function deliveredByConversation(s: MessagingSession): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const record of s.genesys.inbound()) {
    const body = record.body as DeliveredBody;
    const list = out.get(body.channel.from.id) ?? [];
    list.push(body.channel.messageId);
    out.set(body.channel.from.id, list);
  }
  return out;
}

function expectInOrderOnce(s: MessagingSession, conversations: InboundMessage[][]): void {
  const delivered = deliveredByConversation(s);
  for (const messages of conversations) {
    const key = conversationKey(messages[0]!.platform, messages[0]!.userId);
    expect(delivered.get(key), key).toEqual(messages.map((m) => m.messageId));
  }
  expect(s.genesys.inbound()).toHaveLength(conversations.flat().length);
}

describe('order and deduplication', () => {
  it('keeps each conversation in send order under concurrent instances, and forwards each message once', async () => {
    // Genesys's limit raised from 300 to 1,200 a minute (module and double alike): the rate limit is not what this
    // test is about, and at 300 the 48 sends alone took 10 s; more sends at once only makes reordering likelier.
    const s = await freshMessaging({ mapping: { maxConcurrency: 4 }, overrides: { genesys_rate_limit_per_minute: 1_200 } });
    const conversations = conversationsOf(8, 6);
    await enqueue(s, interleave(conversations));
    await s.drained();
    expectInOrderOnce(s, conversations);
    const summary = await s.summary();
    expect(summary).toMatchObject({ received: 48, forwarded: 48, duplicatesDropped: 0, deadLettered: {} });
  });

  it('drops a redelivery that arrives after the FIFO deduplication window (new dedup id, same platform event)', async () => {
    const s = await freshMessaging();
    const [original] = conversationsOf(1, 1)[0]!;
    await enqueue(s, [original!]);
    await s.drained();
    // SQS has forgotten the deduplication id (5 minutes passed): the platform's resend gets in.
    await enqueue(s, [{ ...original!, receivedAt: new Date().toISOString() }], () => 'after-the-window');
    await s.drained();
    expect(s.genesys.inbound()).toHaveLength(1);
    expect(await s.summary()).toMatchObject({ received: 2, forwarded: 1, duplicatesDropped: 1 });
  });
});

describe('the shared Genesys token', () => {
  it('is one token for every instance; a revoked token is refreshed once, however many instances get the 401', async () => {
    // As above: a limit of 1,200 a minute so 36 sends are not paced over 7 s; the token, not the limit, is under test.
    const s = await freshMessaging({ mapping: { maxConcurrency: 3 }, overrides: { genesys_rate_limit_per_minute: 1_200 } });
    const secondFleet = await s.startForwarders({ maxConcurrency: 3 });
    const before = conversationsOf(6, 3);
    await enqueue(s, interleave(before));
    await s.drained();
    expect(s.genesys.stats().tokensIssued).toBe(1);

    s.genesys.revokeTokens();
    const after = conversationsOf(6, 3);
    await enqueue(s, interleave(after));
    await s.drained();
    await secondFleet.stop();

    expect(s.genesys.stats().tokensIssued).toBe(2);
    expectInOrderOnce(s, [...before, ...after]);
    expect(s.tally().unauthorizedRetries).toBeGreaterThanOrEqual(1);
    expect((await s.summary()).deadLettered).toEqual({});
  });
});

describe('rate limits', () => {
  it('a 429 storm (Genesys far below our limit) is honoured by holding records for Retry-After: every message once, in order, none lost', async () => {
    // 6 calls per window, the double's window shortened from Genesys's minute to 10 s: the 7th call gets a 429 whose
    // Retry-After is the rest of the window (≤ 10 s instead of ≤ 60 s), and the second window opens 10 s after the first call.
    const s = await freshMessaging({ genesys: { rateLimitPerMinute: 6, rateLimitWindowSeconds: 10 } });
    const conversations = conversationsOf(3, 3);
    await enqueue(s, interleave(conversations));
    await s.drained({ timeoutMs: 240_000 });

    expectInOrderOnce(s, conversations);
    const stats = s.genesys.stats();
    const summary = await s.summary();
    expect(stats.answered429).toBeGreaterThan(0);
    // Every 429 paused the shared limiter until the window reopened: a handful, not one per record per retry.
    expect(stats.answered429).toBeLessThanOrEqual(6);
    expect(summary.rateLimited429).toBe(stats.answered429);
    expect(summary.deadLettered).toEqual({});
    expect(summary.held).toBeGreaterThan(0);
  });
});

describe('outage: circuit breaker and maintenance queue', () => {
  it('diverts to the maintenance queue while Genesys is down and drains it in order when it is back: nothing lost or sent twice', async () => {
    const s = await freshMessaging({
      forwarderEnv: { GENESYS_BREAKER_WINDOW_SECONDS: '10', GENESYS_BREAKER_HALF_OPEN_AFTER_SECONDS: '2', RETRY_BACKOFF_CAP_SECONDS: '20' },
    });
    const conversations = conversationsOf(4, 10);
    const batchA = conversations.map((c) => c.slice(0, 2));
    const batchB = conversations.map((c) => c.slice(2, 8));
    const batchC = conversations.map((c) => c.slice(8));
    await enqueue(s, interleave(batchA));
    await s.drained();

    s.genesys.setMode('outage');
    await enqueue(s, interleave(batchB));
    const deadline = Date.now() + 60_000;
    while (s.tally().divertedToMaintenance < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(s.tally().divertedToMaintenance).toBeGreaterThanOrEqual(8);

    s.genesys.setMode('ok');
    await enqueue(s, interleave(batchC));
    await s.drained({ timeoutMs: 240_000 });

    expectInOrderOnce(s, conversations);
    const summary = await s.summary();
    expect(summary.circuitOpened).toBeGreaterThanOrEqual(1);
    expect(summary.deadLettered).toEqual({});
    expect(summary.forwarded).toBe(40);
  });
});

describe('permanent failures and attachments', () => {
  it('copies an attachment to S3 and hands Genesys a URL that serves the same bytes; over the cap or refused by Genesys → DLQ with the reason', async () => {
    const s = await freshMessaging({ overrides: { max_attachment_bytes: 1_048_576 } });
    const sha = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

    const photo = s.platform.putMedia('line', 'line-photo-1', { sizeBytes: 300_000, mime: 'image/jpeg' });
    const withPhoto = inboundMessage({ platform: 'line', text: '', attachments: [attachmentRef({ ref: photo, mime: 'image/jpeg' })] });
    const video = s.platform.putMedia('whatsapp', 'wa-video-1', { sizeBytes: 2_000_000, mime: 'video/mp4' });
    const tooLarge = inboundMessage({ platform: 'whatsapp', text: 'look', attachments: [attachmentRef({ ref: video, mediaType: 'Video', mime: 'video/mp4' })] });
    const oddMime = s.platform.putMedia('line', 'line-photo-2', { sizeBytes: 1_000, mime: 'image/jpeg' });
    // A mime type Genesys's model refuses (no subtype): Genesys answers 400.
    const rejected = inboundMessage({ platform: 'line', text: 'x', attachments: [attachmentRef({ ref: oddMime, mime: 'jpeg' })] });
    // A media host that announces no size (chunked): only the byte count while streaming can stop it.
    const unannounced = await chunkedMediaServer(16_000_000);
    const streamedTooLarge = inboundMessage({ platform: 'viber', text: 'clip', attachments: [attachmentRef({ ref: unannounced.url, mediaType: 'Video', mime: 'video/mp4' })] });
    try {
      await enqueue(s, [withPhoto, tooLarge, rejected, streamedTooLarge]);
      await s.drained();
    } finally {
      await unannounced.stop();
    }

    const delivered = s.genesys.inbound().map((r) => r.body as DeliveredBody);
    expect(delivered.map((b) => b.channel.messageId)).toEqual([withPhoto.messageId]);
    const attachment = delivered[0]!.content![0]!.attachment;
    expect(attachment).toMatchObject({ mediaType: 'Image', mime: 'image/jpeg' });
    const copy = await fetch(attachment.url);
    expect(copy.status).toBe(200);
    expect(sha(await copy.arrayBuffer())).toBe(s.platform.mediaSha256('line', 'line-photo-1'));

    const dead = await drainForInspection(s.stack.queues.inbound.dlq.url);
    const reasons = Object.fromEntries(dead.map((m) => [(JSON.parse(m.Body!) as InboundMessage).messageId, m.MessageAttributes?.errorClass?.StringValue]));
    expect(reasons).toEqual({
      [tooLarge.messageId]: 'attachment-too-large',
      [streamedTooLarge.messageId]: 'attachment-too-large',
      [rejected.messageId]: 'genesys-rejected',
    });
    expect(unannounced.bytesSent()).toBeLessThan(16_000_000);
    expect((await s.summary()).deadLettered).toEqual({ 'attachment-too-large': 2, 'genesys-rejected': 1 });
    // Nothing of the attachments over the cap stays in the bucket (the upload was aborted); the copy made before
    // Genesys refused its message stays until the bucket's lifecycle removes it, and a redrive overwrites it.
    const objects = await new S3Client({ forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: s.stack.attachmentBucket }));
    expect((objects.Contents ?? []).map((o) => o.Key).sort()).toEqual([attachmentKey(withPhoto, 0), attachmentKey(rejected, 0)].sort());
  });
});

describe('local FIFO semantics (moto, as patched in scripts/local/moto_server.py)', () => {
  it('a held message and the ones held behind it come back in order, and block their group while in flight', async () => {
    const endpoint = localAwsEndpoint();
    useLocalAws(endpoint);
    await resetMoto(endpoint);
    const client = sqs();
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: 'fifo-semantics.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '60' } }),
    );
    for (const body of ['g1', 'g2', 'g3']) {
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'G', MessageDeduplicationId: body }));
    }
    const receive = async () => (await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
    const first = await receive();
    expect(first.map((m) => m.Body)).toEqual(['g1', 'g2', 'g3']);
    // Delete nothing; hold g1 and g2 for 1 s, g3 for longer: the group stays blocked while g3 is in flight.
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: first.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: i < 2 ? 1 : 3 })),
      }),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await receive()).toEqual([]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await receive()).map((m) => m.Body)).toEqual(['g1', 'g2', 'g3']);
  });
});

describe('attachment URL lifetime (design §1)', () => {
  /** STS AssumeRole on the local AWS (raw Query API: the project has no STS client); moto honours short DurationSeconds. */
  async function assumeRole(endpoint: string, seconds: number) {
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const answer = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // moto routes by the credential scope's service; it does not check the signature.
        authorization: `AWS4-HMAC-SHA256 Credential=test/${date}/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: 'arn:aws:iam::123456789012:role/forwarder', RoleSessionName: 'forwarder', DurationSeconds: String(seconds) }),
    });
    const xml = await answer.text();
    const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '';
    return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
  }

  it('a URL signed with temporary credentials stops working when they expire, whatever X-Amz-Expires says', async () => {
    const endpoint = localAwsEndpoint();
    useLocalAws(endpoint);
    await resetMoto(endpoint);
    const s3 = new S3Client({ forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'url-lifetime' }));
    await s3.send(new PutObjectCommand({ Bucket: 'url-lifetime', Key: 'photo', Body: 'bytes' }));
    const get = new GetObjectCommand({ Bucket: 'url-lifetime', Key: 'photo' });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    // As in Lambda: the role's session credentials sign, the URL asks for an hour.
    const session = await assumeRole(endpoint, 3);
    expect(session.sessionToken).not.toBe('');
    const url = await getSignedUrl(new S3Client({ forcePathStyle: true, credentials: session }), get, { expiresIn: 3600 });
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('3600');
    expect((await fetch(url)).status).toBe(200);
    await sleep(4_000);
    const afterSession = await fetch(url);
    expect(afterSession.status).toBe(400);
    expect(await afterSession.text()).toContain('ExpiredToken');

    // And a URL past its own X-Amz-Expires, signed with long-lived keys.
    const short = await getSignedUrl(s3, get, { expiresIn: 1 });
    expect((await fetch(short)).status).toBe(200);
    await sleep(2_100);
    expect((await fetch(short)).status).toBe(403);
  });
});

describe('the cross-instance rate limiter on DynamoDB', () => {
  it('instances racing for one bucket never get the same slot: every grant is one emission interval after the previous', async () => {
    const s = await freshMessaging({ forwarders: false });
    const docs = documentClient(dynamoDbClient());
    // A frozen clock: each grant's slot is now + waitMs, so the slots show the order the bucket handed out, with no timing involved.
    const now = () => 1_000_000;
    const settings = { ratePerSecond: 5, burst: 3, maxWaitMs: 1_000_000 };
    const instances = Array.from({ length: 4 }, () => new DynamoRateLimiter({ client: docs, table: s.stack.stateTable, bucket: 'test:race', settings, now, maxAttempts: 1_000 }));
    const slots: number[] = [];
    await Promise.all(
      instances.map(async (limiter) => {
        for (let i = 0; i < 15; i++) {
          const grant = await limiter.acquire();
          if (!grant.granted) throw new Error('refused with an unbounded wait');
          slots.push(now() + grant.waitMs);
        }
      }),
    );
    slots.sort((a, b) => a - b);
    expect(slots).toHaveLength(60);
    // The first `burst` go at once, then one every 200 ms: 60 distinct slots, none shared by two instances.
    expect(slots.slice(0, 3)).toEqual([now(), now(), now()]);
    for (let i = 3; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(200);
  });
});

describe('the divert marker (diversion.ts races, step by step on DynamoDB)', () => {
  it('stays while any diverted message of the conversation is unsettled, goes with the last, and comes back for a later divert', async () => {
    const s = await freshMessaging({ forwarders: false });
    const marker = new ConversationDiversion(documentClient(dynamoDbClient()), s.stack.stateTable);
    const c = 'line:U-race';
    expect(await marker.isDiverted(c)).toBe(false);

    // Crash between marking and sending, then the redelivery marks again: still one key.
    await marker.markPending(c, 'line:e1');
    await marker.markPending(c, 'line:e1');
    await marker.markPending(c, 'line:e2');
    expect(await marker.isDiverted(c)).toBe(true);

    // The drain settles e1: e2 is still in maintenance, so later messages must still follow.
    expect(await marker.settle(c, 'line:e1')).toBe(false);
    expect(await marker.isDiverted(c)).toBe(true);

    // An inbound record read "diverted" just before the drain settles the last key…
    const decided = await marker.isDiverted(c);
    expect(await marker.settle(c, 'line:e2')).toBe(true);
    expect(await marker.isDiverted(c)).toBe(false);
    // …and marks its own key afterwards: the marker is back, so the message after it follows it too.
    if (decided) await marker.markPending(c, 'line:e3');
    expect(await marker.isDiverted(c)).toBe(true);

    // A duplicate copy settling after the marker is gone is a no-op, not an error.
    expect(await marker.settle(c, 'line:e3')).toBe(true);
    expect(await marker.settle(c, 'line:e3')).toBe(false);
    expect(await marker.isDiverted(c)).toBe(false);
  });
});
