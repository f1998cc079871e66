// `make demo-messaging`: the messaging gateway end to end on a private local
// stack (moto, the ingest endpoint serving the ingest bundle, the forwarder
// and dispatcher bundles on local FIFO event source mappings, the token
// refresher, the Genesys and platform doubles). A burst of signed platform
// webhooks over real HTTP — redeliveries early and late, forged signatures,
// attachments — with a Genesys outage in the middle and the double's rate
// limit at its default; the Genesys double's agent answers a share of the
// conversations (signed outbound webhooks, some with attachments, some sent
// twice), a few customers' platforms refuse the replies, the platform send
// limits are lowered so they bind, and every delivery is echoed back to the
// ingest endpoint as the platforms do. Then a verdict from the doubles' logs,
// inbound and outbound. Exits 0 only on a clean verdict.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Platform } from '../shared/messaging/contract';
import { LOCAL_WEBHOOK_SECRETS } from '../test/fixtures/messaging-webhooks';
import { emptyEchoTally, sendEchoes, type EchoTally } from './lib/messaging-echoes';
import { generateMessagingBurst, type MessagingBurst } from './lib/messaging-burst';
import { describeVerdict, messagingVerdict, type AttachmentProbe } from './lib/messaging-oracle';
import { describeOutboundVerdict, outboundVerdict, type RateKey } from './lib/messaging-outbound-oracle';
import { sendBurst, sendLate, type SendTally } from './lib/messaging-sender';
import { seededRandom } from './lib/random';
import { buildFunctions } from './build';
import { useLocalAws } from './local/aws-env';
import { agentAnswers } from './local/doubles/genesys-agent';
import type { GenesysDouble } from './local/doubles/genesys-double';
import { SEND_LIMIT_JITTER_MS, type InjectedFailure } from './local/doubles/platform-send-routes';
import { queueDepth } from './local/event-source-mapping';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startMessagingStack, type MessagingSession } from './local/messaging-stack';
import { freePort, ROOT, startMoto } from './local/moto';
import { LOCAL_PLATFORM_CREDENTIALS } from './local/provision-messaging';

function number(name: string, raw: string | undefined, fallback: number, { integer = true, min = 0, max = Infinity } = {}): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name}=${raw} is invalid: expected ${integer ? 'an integer' : 'a number'} between ${min} and ${max}.`);
  }
  return value;
}

const { values } = parseArgs({
  options: {
    messages: { type: 'string' },
    conversations: { type: 'string' },
    attachments: { type: 'string' },
    forged: { type: 'string' },
    redeliveries: { type: 'string' },
    'late-redeliveries': { type: 'string' },
    'outage-seconds': { type: 'string' },
    'outage-at': { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
    'agent-conversations': { type: 'string' },
    'agent-attachments': { type: 'string' },
    'agent-retries': { type: 'string' },
    'send-rate': { type: 'string' },
    refusals: { type: 'string' },
    'agent-during-burst': { type: 'boolean' },
  },
  strict: true,
});

const settings = {
  messages: number('messages', values.messages, 2000, { min: 1 }),
  conversations: number('conversations', values.conversations, 200, { min: 1 }),
  attachments: number('attachments', values.attachments, 8),
  forged: number('forged', values.forged, 20),
  redeliveryRatio: number('redeliveries', values.redeliveries, 0.03, { integer: false, max: 1 }),
  lateRedeliveryRatio: number('late-redeliveries', values['late-redeliveries'], 0.02, { integer: false, max: 1 }),
  outageSeconds: number('outage-seconds', values['outage-seconds'], 30),
  /** The outage starts once Genesys has accepted this share of the messages. */
  outageAt: number('outage-at', values['outage-at'], 0.4, { integer: false, max: 1 }),
  concurrency: number('concurrency', values.concurrency, 16, { min: 1, max: 256 }),
  seed: number('seed', values.seed, 20261129),
  /** Share of conversations the agent answers (every customer message in them gets a reply). */
  agentConversations: number('agent-conversations', values['agent-conversations'], 0.25, { integer: false, max: 1 }),
  agentAttachments: number('agent-attachments', values['agent-attachments'], 0.1, { integer: false, max: 1 }),
  agentRetries: number('agent-retries', values['agent-retries'], 0.05, { integer: false, max: 1 }),
  /** Sends per second per platform, for the dispatcher and the platform double alike (Telegram: also 1 per chat). */
  sendRate: number('send-rate', values['send-rate'], 4, { integer: false, min: 0.1 }),
  /** Answered conversations whose platform refuses every reply (one per platform in turn). */
  refusals: number('refusals', values.refusals, 4),
  /** The agent answers while the burst is being forwarded, instead of once it is (receipts then share the token's limit with that backlog). */
  agentDuringBurst: values['agent-during-burst'] === true,
};

/** The refusal each platform double answers and the receipt reason the dispatcher must post for it. */
const INJECTED: Record<Platform, { failure: InjectedFailure; reason: string }> = {
  line: { failure: 'invalid', reason: 'InvalidDestination' },
  telegram: { failure: 'blocked', reason: 'RecipientOptedOut' },
  viber: { failure: 'invalid', reason: 'InvalidDestination' },
  whatsapp: { failure: 'blocked', reason: 'RecipientOptedOut' },
};

const DIR = join(ROOT, '.local', 'demo-messaging');

interface Outage {
  startedAt?: number;
  endedAt?: number;
}

/** Switches the Genesys double to an outage once enough was accepted, and back after outageSeconds. */
function outageDirector(genesys: GenesysDouble, expected: number): { tick(): void; outage: Outage } {
  const outage: Outage = {};
  return {
    outage,
    tick() {
      const now = Date.now();
      if (settings.outageSeconds === 0) return;
      if (outage.startedAt === undefined && genesys.stats().accepted >= Math.ceil(expected * settings.outageAt)) {
        genesys.setMode('outage');
        outage.startedAt = now;
      } else if (outage.startedAt !== undefined && outage.endedAt === undefined && now - outage.startedAt >= settings.outageSeconds * 1000) {
        genesys.setMode('ok');
        outage.endedAt = now;
      }
    },
  };
}

function progressReporter(genesys: GenesysDouble, burst: MessagingBurst, getTally: () => SendTally | undefined, outage: Outage, started: number) {
  let lastPlain = 0;
  return (final = false) => {
    const now = Date.now();
    // Without a terminal (CI logs) one line every 5 s is enough.
    if (!process.stderr.isTTY && !final && now - lastPlain < 5000) return;
    lastPlain = now;
    const stats = genesys.stats();
    const tally = getTally();
    const webhooks = burst.counts.webhooks + burst.counts.forged + burst.counts.lateRedeliveries;
    const outageText =
      outage.startedAt === undefined ? 'outage pending' : outage.endedAt === undefined ? `OUTAGE ${((now - outage.startedAt) / 1000).toFixed(0)}s` : `outage over (${((outage.endedAt - outage.startedAt) / 1000).toFixed(0)}s)`;
    const line =
      `webhooks ${tally ? tally.sent + tally.forgedSent : 0}/${webhooks}  genesys ${stats.accepted}/${burst.counts.messages}  ` +
      `replies ${genesys.agentReplies().length} receipts ${stats.receiptsAccepted}  ` +
      `429s ${stats.answered429}  5xx ${stats.answered5xx}  ${outageText}  ${((now - started) / 1000).toFixed(0)}s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(130)}${final ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

async function probeAttachments(session: MessagingSession, burst: MessagingBurst): Promise<AttachmentProbe[]> {
  const mediaByMessage = new Map(burst.media.map((m) => [m.messageId, m]));
  const probes: AttachmentProbe[] = [];
  const seen = new Set<string>();
  for (const record of session.genesys.inbound()) {
    const body = record.body as { channel?: { messageId?: string }; content?: Array<{ attachment?: { url?: string } }> };
    const messageId = body.channel?.messageId;
    const media = messageId === undefined ? undefined : mediaByMessage.get(messageId);
    if (!media || seen.has(media.messageId)) continue;
    seen.add(media.messageId);
    for (const url of (body.content ?? []).flatMap((c) => (c.attachment?.url ? [c.attachment.url] : []))) {
      const probe: AttachmentProbe = { messageId: media.messageId, url, status: 0, expectedSha256: session.platform.mediaSha256(media.platform, media.ref) };
      try {
        const response = await fetch(url);
        probe.status = response.status;
        if (response.ok && response.body) {
          const hash = createHash('sha256');
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
          probe.sha256 = hash.digest('hex');
        }
      } catch {
        probe.status = -1;
      }
      probes.push(probe);
    }
  }
  return probes;
}

async function main(): Promise<number> {
  const started = Date.now();
  mkdirSync(DIR, { recursive: true });
  console.log('demo-messaging: building the function bundles');
  await buildFunctions(['messaging-ingest', 'messaging-forwarder', 'messaging-dispatcher', 'messaging-token-refresher']);
  console.log('demo-messaging: starting a private local AWS (moto) and the messaging stack (ingest endpoint, forwarder, dispatcher, token refresher, Genesys and platform doubles)');
  const aws = await startMoto({ port: await freePort() });
  let session: MessagingSession | undefined;
  try {
    useLocalAws(aws.endpoint);
    // The stack `local up` runs, privately: ingest endpoint, forwarder runners, token refresher, both doubles.
    // Platform send limits lowered so that they bind in a demo of this size, the same for the dispatcher and the double.
    const rate = String(settings.sendRate);
    const limits: Record<RateKey, number> = { line: settings.sendRate, telegram: settings.sendRate, viber: settings.sendRate, whatsapp: settings.sendRate, telegramPerChat: 1 };
    session = await startMessagingStack({
      logFile: join(DIR, 'functions.log'),
      dispatcherEnv: { LINE_SEND_RATE_PER_SECOND: rate, TELEGRAM_SEND_RATE_PER_SECOND: rate, VIBER_SEND_RATE_PER_SECOND: rate, WHATSAPP_SEND_RATE_PER_SECOND: rate, TELEGRAM_CHAT_SEND_RATE_PER_SECOND: '1' },
      platformSendLimits: limits,
    });
    const stack = session.stack;
    const ingestUrl = session.ingestUrl;
    if (!ingestUrl) throw new Error('the messaging stack started without its ingest endpoint');
    session.genesys.setAgent({
      webhookUrl: `${ingestUrl}/webhooks/genesys`,
      secret: LOCAL_WEBHOOK_SECRETS.genesysWebhookSecret,
      conversationShare: settings.agentConversations,
      attachmentShare: settings.agentAttachments,
      retryShare: settings.agentRetries,
      // By default the agent is away while the customers' burst is forwarded (see the README: receipts competing with that backlog).
      away: !settings.agentDuringBurst,
    });
    const limit = stack.defaults.genesys_rate_limit_per_minute;
    const burst = generateMessagingBurst({
      ...settings,
      // Timestamps 1-3 s apart across the whole burst, ending about now.
      now: Date.now() - settings.messages * 2_000,
      secrets: LOCAL_WEBHOOK_SECRETS,
      putMedia: (platform, ref, spec) => session!.platform.putMedia(platform, ref, spec),
    });
    const c = burst.counts;
    // A few answered conversations whose platform refuses every reply: the agent must get Failed receipts with the platform's reason.
    const answered = burst.conversations.filter((conversation) => agentAnswers(conversation.key, settings.agentConversations));
    const messagesIn = (key: string) => burst.expected.filter((m) => m.conversation === key).length;
    // The shortest answered conversations, so that most replies are still delivered.
    const shortestFirst = [...answered].sort((a, b) => messagesIn(a.key) - messagesIn(b.key));
    const injected = new Map<string, string>();
    const platformsInTurn: Platform[] = ['line', 'telegram', 'viber', 'whatsapp'];
    for (let n = 0; n < settings.refusals; n++) {
      const platform = platformsInTurn[n % platformsInTurn.length]!;
      const conversation = shortestFirst.find((a) => a.platform === platform && !injected.has(a.key));
      if (!conversation) continue;
      session.platform.failSends(platform, conversation.key.slice(platform.length + 1), INJECTED[platform].failure);
      injected.set(conversation.key, INJECTED[platform].reason);
    }
    const answeredMessages = burst.expected.filter((m) => answered.some((a) => a.key === m.conversation)).length;
    console.log(
      `demo-messaging: ${c.messages} messages over ${c.conversations} conversations (line ${c.perPlatform.line}, telegram ${c.perPlatform.telegram}, viber ${c.perPlatform.viber}, whatsapp ${c.perPlatform.whatsapp}) ` +
        `in ${c.webhooks} webhooks (${c.batches} batches, ${c.redeliveries} immediate redeliveries), ${c.lateRedeliveries} late redeliveries, ${c.forged} forged signatures, ${c.attachments} attachments; ` +
        `Genesys limit ${limit}/min, ${settings.outageSeconds} s outage at ${Math.round(settings.outageAt * 100)}% → ${ingestUrl}`,
    );
    console.log(
      `demo-messaging: the agent answers ${answered.length} conversations ${settings.agentDuringBurst ? 'while the burst is forwarded' : 'once the burst is forwarded (away until then)'} (${answeredMessages} customer messages: one reply each, ${Math.round(settings.agentAttachments * 100)}% with an image, ` +
        `${Math.round(settings.agentRetries * 100)}% of webhooks sent twice); ${injected.size} of them refused by the platform (${[...injected.keys()].map((k) => k.split(':')[0]).join(', ')}); ` +
        `platform send limits lowered to ${settings.sendRate}/s per platform (Telegram also 1/s per chat) for the dispatcher and the platform double; every delivery echoed back to the ingest endpoint`,
    );

    const director = outageDirector(session.genesys, c.messages);
    let tally: SendTally | undefined;
    const progress = progressReporter(session.genesys, burst, () => tally, director.outage, started);
    const ticker = setInterval(() => {
      director.tick();
      progress();
    }, 500);
    // The platforms' echoes of every accepted send, back to the ingest endpoint, about a second after the send.
    const echoes: EchoTally = emptyEchoTally();
    let echoed = 0;
    let echoing: Promise<void> = Promise.resolve();
    const echoRound = (): Promise<void> =>
      (echoing = echoing.then(async () => {
        const sent = session!.platform.sent();
        const fresh = sent.slice(echoed);
        echoed = sent.length;
        await sendEchoes(ingestUrl, fresh, LOCAL_PLATFORM_CREDENTIALS.whatsappPhoneNumberId, echoes);
      }));
    const echoTicker = setInterval(() => void echoRound(), 1000);
    let sendTally: SendTally;
    let firstDrainAt: number;
    let agentOnlineAt: number | undefined;
    let outboundDrainedAt: number | undefined;
    try {
      const sending = sendBurst(ingestUrl, burst, { concurrency: settings.concurrency, random: seededRandom(settings.seed + 1), onSent: (t) => (tally = t) });
      sendTally = await sending;
      tally = sendTally;
      // Everything forwarded (and the outage over) before the late redeliveries: they must meet a durable record, not a queued twin.
      while (director.outage.startedAt !== undefined && director.outage.endedAt === undefined) await new Promise((r) => setTimeout(r, 250));
      await session.drained({ timeoutMs: 30 * 60_000 });
      if (settings.outageSeconds > 0 && director.outage.startedAt === undefined) {
        throw new Error(`the outage never started: Genesys accepted ${session.genesys.stats().accepted} of ${c.messages} messages; lower --outage-at`);
      }
      firstDrainAt = Date.now();
      // The agent comes online (or, answering during the burst, sends its last replies); the outbound phase runs to its end.
      session.genesys.setAgentOnline(true);
      agentOnlineAt = Date.now();
      await session.genesys.agentIdle();
      await session.drained({ timeoutMs: 30 * 60_000 });
      outboundDrainedAt = Date.now();
      await sendLate(ingestUrl, burst.late, sendTally);
      await session.drained({ timeoutMs: 10 * 60_000 });
      await session.genesys.agentIdle();
      await session.drained({ timeoutMs: 10 * 60_000 });
      clearInterval(echoTicker);
      await echoRound();
      await session.drained({ timeoutMs: 10 * 60_000 });
    } finally {
      clearInterval(ticker);
      clearInterval(echoTicker);
      progress(true);
    }

    const summary = await session.summary();
    const received = session.genesys.inbound();
    const probes = await probeAttachments(session, burst);
    const verdict = messagingVerdict({ expected: burst.expected, badSignatures: sendTally.refusedForged, received, attachmentProbes: probes });
    const stats = session.genesys.stats();
    const replies = session.genesys.agentReplies();
    const receiptTimes = session.genesys.receipts().map((r) => Date.parse(r.acceptedAt));
    const outbound = outboundVerdict({
      replies,
      sent: session.platform.sent(),
      refusals: session.platform.sendRefusals(),
      receipts: session.genesys.receipts().map((r) => r.body),
      injected,
      limits,
      windowMs: 1000 - SEND_LIMIT_JITTER_MS,
      echoes,
      inbound: received,
    });
    const outboundDlq = await queueDepth(new SQSClient({}), stack.queues.outbound.dlq.url);
    const outboundDeadLettered = outboundDlq.visible + outboundDlq.inFlight + outboundDlq.delayed;
    const replyTimes = replies.flatMap((r) => (r.postedAt ? [Date.parse(r.postedAt)] : []));
    const sendTimes = session.platform.sent().map((s) => Date.parse(s.admittedAt));

    // Goodput: accepted per minute while Genesys was up, over the forwarding phase (first to last acceptance before the late redeliveries).
    const acceptedTimes = received.map((r) => Date.parse(r.acceptedAt)).filter((t) => t <= firstDrainAt);
    const span = acceptedTimes.length > 1 ? Math.max(...acceptedTimes) - Math.min(...acceptedTimes) : 0;
    const outageMs = director.outage.startedAt !== undefined ? (director.outage.endedAt ?? Date.now()) - director.outage.startedAt : 0;
    const upMinutes = Math.max(1e-9, (span - outageMs) / 60_000);
    const goodputPerMinute = acceptedTimes.length / upMinutes;
    const calls = stats.accepted + stats.answered429 + stats.answered5xx + stats.answered4xx;
    const windows = session.genesys.windows().map((w) => `${w.admitted}${w.refused ? `+${w.refused}×429` : ''}`);
    const cpu = cpus();
    const figures = {
      machine: `${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`,
      messages: c.messages,
      conversations: c.conversations,
      webhooks: sendTally.sent + sendTally.forgedSent,
      webhookResends: sendTally.resends,
      webhookFailures: sendTally.failed,
      wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
      forwardingSeconds: +(span / 1000).toFixed(1),
      genesysLimitPerMinute: limit,
      goodputPerMinute: +goodputPerMinute.toFixed(1),
      goodputOfLimit: +(goodputPerMinute / limit).toFixed(3),
      // Receipts share the token's limit with the forwarder: every Genesys call while it was up, over the same span.
      genesysCallsPerMinute: +((acceptedTimes.length + receiptTimes.filter((t) => t >= Math.min(...acceptedTimes) && t <= firstDrainAt).length) / upMinutes).toFixed(1),
      rateWindows: windows.join(' '),
      answered429: stats.answered429,
      ratio429: +(calls ? stats.answered429 / calls : 0).toFixed(4),
      answered5xxDuringOutage: stats.answered5xx,
      outageSeconds: +(outageMs / 1000).toFixed(1),
      divertedToMaintenance: summary.divertedToMaintenance,
      circuitOpened: summary.circuitOpened,
      duplicatesDropped: summary.duplicatesDropped,
      deadLettered: summary.deadLettered,
      tokensIssued: stats.tokensIssued,
    };
    const spanSeconds = (times: number[]) => (times.length > 1 ? +((Math.max(...times) - Math.min(...times)) / 1000).toFixed(1) : 0);
    const outboundFigures = {
      agentConversations: answered.length,
      agentReplies: replies.length,
      agentAnswered: settings.agentDuringBurst ? 'during the burst' : 'once the burst was forwarded',
      outboundPhaseSeconds: agentOnlineAt !== undefined && outboundDrainedAt !== undefined ? +((outboundDrainedAt - agentOnlineAt) / 1000).toFixed(1) : 0,
      agentRepliesSeconds: spanSeconds(replyTimes),
      platformSends: sendTimes.length,
      platformSendSeconds: spanSeconds(sendTimes),
      receiptsSeconds: spanSeconds(receiptTimes),
      receiptsAccepted: stats.receiptsAccepted,
      dispatcher: summary.outbound,
      outboundDeadLettered,
      sendLimitsPerSecond: limits,
      rateWindowMs: 1000 - SEND_LIMIT_JITTER_MS,
      echoesByPlatform: echoes.byPlatform,
    };
    console.log('demo-messaging report');
    for (const [k, v] of Object.entries({ ...figures, ...verdict, examples: undefined })) {
      if (v !== undefined) console.log(`  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    }
    console.log('demo-messaging outbound (agent replies → platforms → receipts)');
    for (const [k, v] of Object.entries({ ...outboundFigures, ...outbound, rates: undefined, examples: undefined })) {
      if (v !== undefined) console.log(`  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    }
    for (const [key, r] of Object.entries(outbound.rates)) {
      console.log(
        `  rate ${key.padEnd(19)} max ${r.max} per ${1000 - SEND_LIMIT_JITTER_MS} ms window (${r.maxStrict1s} per strict 1 s) of ${r.configured}/s configured; ${r.refusedForRate} sends refused 429 by the double and retried`,
      );
    }
    const failedWebhooks = Object.values(sendTally.failed).reduce((a, b) => a + b, 0);
    const deadLettered = Object.values(summary.deadLettered).reduce((a, b) => a + b, 0);
    const inboundClean = verdict.clean && failedWebhooks === 0 && deadLettered === 0;
    const clean = inboundClean && outbound.clean && outboundDeadLettered === 0;
    console.log(
      inboundClean
        ? describeVerdict(verdict).replace(/^VERDICT: CLEAN/, 'INBOUND: CLEAN')
        : `${describeVerdict({ ...verdict, clean: false }).replace(/^VERDICT: FAILED/, 'INBOUND: FAILED')}${failedWebhooks ? `; ${failedWebhooks} good webhooks not accepted ${JSON.stringify(sendTally.failed)}` : ''}${deadLettered ? `; dead-lettered ${JSON.stringify(summary.deadLettered)}` : ''}`,
    );
    console.log(`${describeOutboundVerdict(outbound)}${outboundDeadLettered ? `; ${outboundDeadLettered} outbound messages in the DLQ` : ''}`);
    console.log(clean ? 'VERDICT: CLEAN — inbound and outbound' : `VERDICT: FAILED — ${[inboundClean ? '' : 'inbound', outbound.clean && outboundDeadLettered === 0 ? '' : 'outbound'].filter(Boolean).join(' and ')}`);
    writeFileSync(
      join(DIR, 'report.json'),
      `${JSON.stringify({ settings, figures, verdict, outboundFigures, outbound: { ...outbound }, summary }, null, 2)}\n`,
    );
    writeFileSync(join(DIR, 'agent-replies.jsonl'), replies.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(DIR, 'platform-sent.jsonl'), session.platform.sent().map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(DIR, 'genesys-inbound.jsonl'), received.map((r) => JSON.stringify(r)).join('\n') + '\n');
    console.log(`demo-messaging: report in ${join(DIR, 'report.json')}, what Genesys accepted in ${join(DIR, 'genesys-inbound.jsonl')}, function logs in ${join(DIR, 'functions.log')}`);
    return clean ? 0 : 1;
  } finally {
    await session?.stop();
    await aws.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo-messaging failed: ${error.message}`);
    process.exit(2);
  },
);
