// Delivers a burst's webhooks to the ingest endpoint as the platforms would:
// real HTTP, one request per webhook, many conversations at once but each
// conversation strictly in order (a platform sends a user's next message after
// the previous one was acknowledged), and every answer recorded.
import type { MessagingBurst, PlannedWebhook, WebhookRequest } from './messaging-burst';
import type { RefusedAttempt } from './messaging-oracle';

export interface SendTally {
  sent: number;
  /** Webhooks resent after a 5xx, 429 or no answer, as the platform would. */
  resends: number;
  /** Originals and redeliveries answered 2xx. */
  accepted: number;
  /** Final non-2xx answers to webhooks with a good signature, after the platform's resends, by status. */
  failed: Record<string, number>;
  forgedSent: number;
  refusedForged: RefusedAttempt[];
}

/** Platforms resend a webhook the endpoint did not take (5xx, 429, no answer); LINE, Telegram, Viber and WhatsApp all back off and retry. */
const RESEND_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

/**
 * One webhook delivery as the platform makes it: resent after a 5xx, a 429 or
 * a transport failure (the ingest answers 5xx exactly when it did not queue
 * the webhook, so that the platform resends it); `resends` counts them.
 * Returns the final status (a 4xx such as a refused signature is final).
 * `resendDelaysMs` is the sender's schedule (Genesys: 5 tries, 5 s apart).
 */
export async function postWebhook(ingestUrl: string, request: WebhookRequest, counters?: { resends: number }, resendDelaysMs: readonly number[] = RESEND_DELAYS_MS): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    let status: number;
    try {
      const response = await fetch(`${ingestUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(15_000) });
      await response.arrayBuffer();
      status = response.status;
    } catch (error) {
      if (attempt >= resendDelaysMs.length) throw new Error(`POST ${request.path} to the ingest endpoint failed ${attempt + 1} times: ${(error as Error).message}`);
      status = -1;
    }
    if (!(status === -1 || status === 429 || status >= 500) || attempt >= resendDelaysMs.length) return status;
    if (counters) counters.resends += 1;
    await new Promise((resolve) => setTimeout(resolve, resendDelaysMs[attempt]));
  }
}

/**
 * Sends every conversation's webhooks in order, `concurrency` conversations at
 * a time, picking the next conversation at random so the streams interleave;
 * forged webhooks go out spread among them.
 */
export async function sendBurst(
  ingestUrl: string,
  burst: Pick<MessagingBurst, 'conversations' | 'forged'>,
  options: { concurrency: number; random: () => number; onSent?: (tally: SendTally) => void },
): Promise<SendTally> {
  const tally: SendTally = { sent: 0, resends: 0, accepted: 0, failed: {}, forgedSent: 0, refusedForged: [] };
  const pending = burst.conversations.map((c) => [...c.webhooks]);
  const forged = [...burst.forged];
  const total = pending.reduce((s, w) => s + w.length, 0);
  const busy = new Set<number>();

  const record = (status: number): void => {
    countAnswer(tally, status);
    options.onSent?.(tally);
  };

  const nextConversation = (): number | undefined => {
    const free = pending.flatMap((w, i) => (w.length > 0 && !busy.has(i) ? [i] : []));
    return free.length === 0 ? undefined : free[Math.floor(options.random() * free.length)];
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      // One forged webhook every total/forged sends, so they land throughout the burst.
      if (forged.length > 0 && options.random() < forged.length / Math.max(1, total - tally.sent)) {
        const attempt = forged.shift()!;
        const status = await postWebhook(ingestUrl, attempt.request);
        tally.forgedSent += 1;
        tally.refusedForged.push({ messageId: attempt.messageId, status });
        continue;
      }
      const index = nextConversation();
      if (index === undefined) {
        if (pending.every((w) => w.length === 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      busy.add(index);
      const webhook = pending[index]!.shift()!;
      try {
        record(await postWebhook(ingestUrl, webhook.request, tally));
      } finally {
        busy.delete(index);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  for (const attempt of forged.splice(0)) {
    tally.forgedSent += 1;
    tally.refusedForged.push({ messageId: attempt.messageId, status: await postWebhook(ingestUrl, attempt.request) });
  }
  return tally;
}

/** Late redeliveries: sent one by one, after everything was forwarded. */
export async function sendLate(ingestUrl: string, late: PlannedWebhook[], tally: SendTally): Promise<void> {
  for (const webhook of late) {
    countAnswer(tally, await postWebhook(ingestUrl, webhook.request, tally));
  }
}

function countAnswer(tally: SendTally, status: number): void {
  tally.sent += 1;
  if (status >= 200 && status < 300) tally.accepted += 1;
  else tally.failed[String(status)] = (tally.failed[String(status)] ?? 0) + 1;
}
