// One inbound message call to Genesys: take a slot from the shared rate
// limiter, POST with the shared token, act on the answer (answer.ts); on a
// 401, one token re-read/refresh and one retry.
import type { RateLimiter } from '../rate-limit';
import { GenesysCallError, classifyGenesysAnswer, throwUnlessAccepted, type GenesysAnswer } from './answer';
import { inboundMessagePath, inboundReceiptPath } from './open-message';
import type { SharedToken } from './token';

export interface GenesysClientOptions {
  apiUrl: string;
  integrationId: string;
  token: SharedToken;
  limiter: RateLimiter;
  /** Per-request timeout; a slow Genesys counts as a failure for the breaker. */
  timeoutMs: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The limiter refused a slot within the in-process wait: hold the record this long (it is not Genesys's fault). */
export class RateLimitedLocallyError extends Error {
  override readonly name = 'RateLimitedLocallyError';
  readonly response: { status: number; headers: Record<string, string> };
  constructor(readonly retryAfterMs: number) {
    super(`rate limit: no slot for ${retryAfterMs} ms`);
    // Shaped as a 429 with Retry-After so the retry hint holds the record that long.
    this.response = { status: 429, headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
  }
}

export interface GenesysCallStats {
  calls: number;
  answered429: number;
  unauthorizedRetries: number;
}

export class GenesysOpenMessagingClient {
  readonly stats: GenesysCallStats = { calls: 0, answered429: 0, unauthorizedRetries: 0 };

  constructor(private readonly options: GenesysClientOptions) {}

  private async slot(): Promise<void> {
    const grant = await this.options.limiter.acquire();
    if (!grant.granted) throw new RateLimitedLocallyError(grant.retryAfterMs);
    if (grant.waitMs > 0) await (this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(grant.waitMs);
  }

  private async post(path: string, body: string, token: string): Promise<GenesysAnswer> {
    await this.slot();
    this.stats.calls += 1;
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(new URL(path, this.options.apiUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new GenesysCallError(`Genesys did not answer: ${(error as Error).name}: ${(error as Error).message}`, undefined, undefined, { cause: error });
    }
    const answer = classifyGenesysAnswer(response.status, response.headers, text, (this.options.now ?? Date.now)());
    if (answer.kind === 'rate-limited') {
      this.stats.answered429 += 1;
      // Every instance stops sending until the window Genesys named is over.
      const seconds = answer.retryAfterSeconds ?? 1;
      await this.options.limiter.pauseUntil((this.options.now ?? Date.now)() + seconds * 1000).catch(() => undefined);
    }
    return answer;
  }

  /** POSTs an Open Messaging inbound message; resolves when Genesys accepted it, throws a typed error otherwise. */
  sendInboundMessage(body: string): Promise<Extract<GenesysAnswer, { kind: 'accepted' }>> {
    return this.call(inboundMessagePath(this.options.integrationId), body);
  }

  /** POSTs a receipt for an agent's message (the dispatcher's Delivered / Failed), same token, limiter and answers. */
  sendReceipt(body: string): Promise<Extract<GenesysAnswer, { kind: 'accepted' }>> {
    return this.call(inboundReceiptPath(this.options.integrationId), body);
  }

  private async call(path: string, body: string): Promise<Extract<GenesysAnswer, { kind: 'accepted' }>> {
    const token = await this.options.token.current();
    let answer = await this.post(path, body, token);
    if (answer.kind === 'unauthorized') {
      this.stats.unauthorizedRetries += 1;
      answer = await this.post(path, body, await this.options.token.afterUnauthorized(token));
    }
    return throwUnlessAccepted(answer);
  }
}
