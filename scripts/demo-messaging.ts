// `make demo-messaging`: the inbound messaging path end to end on a private
// local stack (moto, the ingest endpoint serving the ingest bundle, the
// forwarder bundle on local FIFO event source mappings, the token refresher,
// the Genesys and platform doubles). A burst of signed platform webhooks over
// real HTTP — redeliveries early and late, forged signatures, attachments —
// with a Genesys outage in the middle and the double's rate limit at its
// default; then a verdict from what the Genesys double accepted. Exits 0 only
// on a clean verdict.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_WEBHOOK_SECRETS } from '../test/fixtures/messaging-webhooks';
import { generateMessagingBurst, type MessagingBurst } from './lib/messaging-burst';
import { describeVerdict, messagingVerdict, type AttachmentProbe } from './lib/messaging-oracle';
import { sendBurst, sendLate, type SendTally } from './lib/messaging-sender';
import { seededRandom } from './lib/random';
import { buildFunctions } from './build';
import { useLocalAws } from './local/aws-env';
import type { GenesysDouble } from './local/doubles/genesys-double';
import { startMessagingStack, type MessagingSession } from './local/messaging-stack';
import { freePort, ROOT, startMoto } from './local/moto';

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
      `429s ${stats.answered429}  5xx ${stats.answered5xx}  ${outageText}  ${((now - started) / 1000).toFixed(0)}s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(110)}${final ? '\n' : ''}`);
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
  await buildFunctions(['messaging-ingest', 'messaging-forwarder', 'messaging-token-refresher']);
  console.log('demo-messaging: starting a private local AWS (moto) and the messaging stack (ingest endpoint, forwarder, token refresher, Genesys and platform doubles)');
  const aws = await startMoto({ port: await freePort() });
  let session: MessagingSession | undefined;
  try {
    useLocalAws(aws.endpoint);
    // The stack `local up` runs, privately: ingest endpoint, forwarder runners, token refresher, both doubles.
    session = await startMessagingStack({ logFile: join(DIR, 'functions.log') });
    const stack = session.stack;
    const ingestUrl = session.ingestUrl;
    if (!ingestUrl) throw new Error('the messaging stack started without its ingest endpoint');
    const limit = stack.defaults.genesys_rate_limit_per_minute;
    const burst = generateMessagingBurst({
      ...settings,
      // Timestamps 1-3 s apart across the whole burst, ending about now.
      now: Date.now() - settings.messages * 2_000,
      secrets: LOCAL_WEBHOOK_SECRETS,
      putMedia: (platform, ref, spec) => session!.platform.putMedia(platform, ref, spec),
    });
    const c = burst.counts;
    console.log(
      `demo-messaging: ${c.messages} messages over ${c.conversations} conversations (line ${c.perPlatform.line}, telegram ${c.perPlatform.telegram}, viber ${c.perPlatform.viber}, whatsapp ${c.perPlatform.whatsapp}) ` +
        `in ${c.webhooks} webhooks (${c.batches} batches, ${c.redeliveries} immediate redeliveries), ${c.lateRedeliveries} late redeliveries, ${c.forged} forged signatures, ${c.attachments} attachments; ` +
        `Genesys limit ${limit}/min, ${settings.outageSeconds} s outage at ${Math.round(settings.outageAt * 100)}% → ${ingestUrl}`,
    );

    const director = outageDirector(session.genesys, c.messages);
    let tally: SendTally | undefined;
    const progress = progressReporter(session.genesys, burst, () => tally, director.outage, started);
    const ticker = setInterval(() => {
      director.tick();
      progress();
    }, 500);
    let sendTally: SendTally;
    let firstDrainAt: number;
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
      await sendLate(ingestUrl, burst.late, sendTally);
      await session.drained({ timeoutMs: 10 * 60_000 });
    } finally {
      clearInterval(ticker);
      progress(true);
    }

    const summary = await session.summary();
    const received = session.genesys.inbound();
    const probes = await probeAttachments(session, burst);
    const verdict = messagingVerdict({ expected: burst.expected, badSignatures: sendTally.refusedForged, received, attachmentProbes: probes });
    const stats = session.genesys.stats();

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
    console.log('demo-messaging report');
    for (const [k, v] of Object.entries({ ...figures, ...verdict, examples: undefined })) {
      if (v !== undefined) console.log(`  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    }
    const failedWebhooks = Object.values(sendTally.failed).reduce((a, b) => a + b, 0);
    const deadLettered = Object.values(summary.deadLettered).reduce((a, b) => a + b, 0);
    const clean = verdict.clean && failedWebhooks === 0 && deadLettered === 0;
    console.log(
      clean
        ? describeVerdict(verdict)
        : `${describeVerdict({ ...verdict, clean: false })}${failedWebhooks ? `; ${failedWebhooks} good webhooks not accepted ${JSON.stringify(sendTally.failed)}` : ''}${deadLettered ? `; dead-lettered ${JSON.stringify(summary.deadLettered)}` : ''}`,
    );
    writeFileSync(join(DIR, 'report.json'), `${JSON.stringify({ settings, figures, verdict, summary }, null, 2)}\n`);
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
