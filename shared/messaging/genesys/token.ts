// The Genesys access token, shared by every forwarder instance.
//
// Genesys limits the Platform API per token (300 requests/min), so a token
// per instance would multiply the limit nobody counts, and a token per
// request (what the public blueprints do) burns the login. One token lives
// in a Secrets Manager secret (GENESYS_TOKEN_SECRET_ARN, JSON {accessToken,
// expiresAt, issuedAt}); the scheduled refresher (functions/messaging-token-
// refresher) replaces it well before it expires, and every instance reads it
// and keeps it in memory until shortly before expiry.
//
// When Genesys answers 401 (revoked, expired early, rotated client): re-read
// the secret once (the refresher may already have replaced it); if the
// secret still holds the token that failed, refresh it ourselves, guarded so
// that only one instance of many logs in (a conditional "refresh lease" item
// in the state table, 30 s); the others wait for the new secret version.
// Then the call is retried once; a second 401 fails the record like any
// transient error. Never log a token or a client secret: errors here name
// the secret's ARN and the HTTP status, nothing else.
import type { GenesysOAuthSecret, GenesysTokenSecret } from '../contract';

/** What the refresher stores; issuedAt lets it judge the token's age against its lifetime. */
export interface StoredToken extends GenesysTokenSecret {
  /** Epoch ms when Genesys issued it (absent in a token written by hand). */
  issuedAt?: number;
}

export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** OAuth client credentials grant: POST {loginUrl}/oauth/token, Basic auth, form grant_type=client_credentials. */
export async function requestClientCredentialsToken(
  loginUrl: string,
  client: GenesysOAuthSecret,
  options: { fetch?: typeof fetch; now?: () => number; timeoutMs?: number } = {},
): Promise<StoredToken> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const issuedAt = now();
  let response: Response;
  try {
    response = await doFetch(new URL('/oauth/token', loginUrl), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`, 'utf8').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new TokenRequestError(`Genesys login ${loginUrl} did not answer: ${(error as Error).name}: ${(error as Error).message}`, undefined);
  }
  if (!response.ok) {
    // The OAuth error body names the problem (invalid_client, unsupported_grant_type) and carries no secret.
    const detail = await response.text().catch(() => '');
    throw new TokenRequestError(`Genesys login answered HTTP ${response.status}: ${detail.slice(0, 200)}`, response.status);
  }
  const body = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown } | undefined;
  if (typeof body?.access_token !== 'string' || body.access_token === '' || typeof body.expires_in !== 'number' || !(body.expires_in > 0)) {
    throw new TokenRequestError('Genesys login answered 200 without access_token and a positive expires_in', response.status);
  }
  return { accessToken: body.access_token, expiresAt: issuedAt + body.expires_in * 1000, issuedAt };
}

/** Refresh no later than this much before expiry, whatever the lifetime. */
export const MIN_REMAINING_MS = 3_600_000;

/**
 * Whether the scheduled refresher replaces the stored token now. Refresh when
 * less than a third of the lifetime or less than an hour remains, whichever
 * comes first: with Genesys's default 24 h tokens and a 30-min schedule that
 * is at 16 h of age, leaving 8 h (16 missed runs) of slack; a token shorter
 * than an hour (the OAuth client allows 5 min) is replaced on every run, and
 * the forwarder's own near-expiry refresh covers the gap between runs.
 */
export function refreshDecision(token: StoredToken | undefined, now: number): { refresh: boolean; reason: string } {
  if (!token || typeof token.accessToken !== 'string' || token.accessToken === '' || !Number.isFinite(token.expiresAt)) {
    return { refresh: true, reason: 'no token stored' };
  }
  const remaining = token.expiresAt - now;
  if (remaining <= 0) return { refresh: true, reason: 'expired' };
  if (remaining < MIN_REMAINING_MS) return { refresh: true, reason: 'less than an hour left' };
  if (token.issuedAt !== undefined && Number.isFinite(token.issuedAt)) {
    const lifetime = token.expiresAt - token.issuedAt;
    if (remaining < lifetime / 3) return { refresh: true, reason: 'less than a third of its lifetime left' };
  }
  return { refresh: false, reason: 'fresh' };
}

/** A token is used only while this much of it is left: a request signed with it must reach Genesys before it dies. */
export const USABLE_MARGIN_MS = 60_000;

/** The token's value if it can still be used, else undefined. */
export const usableToken = (token: StoredToken | undefined, now: number): string | undefined =>
  token !== undefined && typeof token.accessToken === 'string' && token.accessToken !== '' && token.expiresAt - now > USABLE_MARGIN_MS
    ? token.accessToken
    : undefined;

/** Where the token lives and how it is renewed; the forwarder wires Secrets Manager and the state table in. */
export interface TokenStore {
  /** Reads the stored token; `fresh` bypasses any cache (after a 401). */
  read(fresh: boolean): Promise<StoredToken | undefined>;
  /**
   * Logs in and stores a new token, unless another instance holds the
   * refresh lease; then resolves undefined and the caller re-reads later.
   * `replacing` is the token that failed: if the store already holds another, nothing is done.
   */
  refresh(replacing: string | undefined, reason?: string): Promise<StoredToken | undefined>;
}

export class TokenUnavailableError extends Error {
  override readonly name = 'TokenUnavailableError';
}

/**
 * The forwarder's view of the shared token: cached in memory until near
 * expiry, re-read once and refreshed at most once after a 401.
 */
export class SharedToken {
  private cached: StoredToken | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly options: { now?: () => number; sleep?: (ms: number) => Promise<void>; leaseWaitMs?: number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** A usable token: memory, else the secret, else a (guarded) login. */
  async current(): Promise<string> {
    const inMemory = usableToken(this.cached, this.now());
    if (inMemory) return inMemory;
    this.cached = await this.store.read(true);
    return usableToken(this.cached, this.now()) ?? this.renew(this.cached?.accessToken);
  }

  /**
   * After a 401 with `rejected`: the stored token if it is another one (the
   * refresher replaced it), else a new one from one guarded refresh.
   */
  async afterUnauthorized(rejected: string): Promise<string> {
    this.cached = await this.store.read(true);
    const stored = usableToken(this.cached, this.now());
    return stored !== undefined && stored !== rejected ? stored : this.renew(rejected);
  }

  private async renew(replacing: string | undefined): Promise<string> {
    const refreshed = await this.store.refresh(replacing);
    const fresh = usableToken(refreshed, this.now());
    if (fresh) {
      this.cached = refreshed;
      return fresh;
    }
    // Another instance holds the lease and is logging in: give it a moment,
    // then take whatever it stored.
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = this.now() + (this.options.leaseWaitMs ?? 3_000);
    while (this.now() < deadline) {
      await sleep(250);
      this.cached = await this.store.read(true);
      const stored = usableToken(this.cached, this.now());
      if (stored !== undefined && stored !== replacing) return stored;
    }
    throw new TokenUnavailableError('no usable Genesys token: another instance is refreshing it, or the login fails (see the token refresher logs)');
  }
}

export interface RefreshOutcome {
  refreshed: boolean;
  reason: string;
  /** Epoch ms at which the stored token expires (never the token itself). */
  expiresAt?: number;
}

/** One run of the scheduled refresher: replace the stored token if refreshDecision says so. */
export async function refreshIfDue(store: TokenStore, now: () => number = Date.now): Promise<RefreshOutcome> {
  const stored = await store.read(true);
  const decision = refreshDecision(stored, now());
  if (!decision.refresh) return { refreshed: false, reason: decision.reason, ...(stored ? { expiresAt: stored.expiresAt } : {}) };
  const token = await store.refresh(stored?.accessToken, decision.reason);
  if (!token) return { refreshed: false, reason: 'another process holds the refresh lease' };
  return { refreshed: token.accessToken !== stored?.accessToken, reason: decision.reason, expiresAt: token.expiresAt };
}
