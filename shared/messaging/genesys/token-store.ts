// Where the shared Genesys token lives on AWS: the token secret (read by every
// forwarder, written by the refresher and, after a 401, by at most one
// forwarder at a time) and a refresh lease in the messaging state table.
//
// The lease (`id = genesys-token#refresh-lease`, conditional put that
// succeeds only when no live lease exists) is what stops a stampede: when a
// token is revoked, every instance gets a 401 within the same second; one
// takes the lease and logs in, the others find the lease taken and re-read
// the secret until the new token appears (SharedToken.renew). The lease
// expires on its own after LEASE_MS, so a holder that dies mid-login blocks
// nobody for long.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GenesysOAuthSecret } from '../contract';
import { forgetSecret, readJsonSecret, stringFields } from '../secrets';
import { requestClientCredentialsToken, type StoredToken, type TokenStore } from './token';

export const TOKEN_REFRESH_LEASE_ID = 'genesys-token#refresh-lease';
const LEASE_MS = 30_000;

export interface SecretsTokenStoreOptions {
  secrets: SecretsManagerClient;
  tokenSecretArn: string;
  /** Absent: this process may not log in (it waits for the refresher). */
  login?: { loginUrl: string; oauthSecretArn: string };
  /** Absent: no lease (the refresher alone, with reserved concurrency 1). */
  lease?: { client: DynamoDBDocumentClient; table: string; holder: string };
  fetch?: typeof fetch;
  now?: () => number;
  /** Told whenever this process obtained a new token from Genesys (for tallies; never the token). */
  onLogin?: (reason: string) => void;
}

function parseStoredToken(value: unknown): StoredToken | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.accessToken !== 'string' || typeof v.expiresAt !== 'number') return undefined;
  return { accessToken: v.accessToken, expiresAt: v.expiresAt, ...(typeof v.issuedAt === 'number' ? { issuedAt: v.issuedAt } : {}) };
}

export class SecretsTokenStore implements TokenStore {
  constructor(private readonly options: SecretsTokenStoreOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async read(fresh: boolean): Promise<StoredToken | undefined> {
    if (fresh) forgetSecret(this.options.tokenSecretArn);
    // A token secret created empty (or holding "{}") is "no token yet", not an error.
    const value = await readJsonSecret<unknown>(this.options.tokenSecretArn, { client: this.options.secrets, parse: (v) => v }).catch((error: Error) => {
      if (/ResourceNotFound|no SecretString|not JSON/.test(error.message)) return undefined;
      throw error;
    });
    return parseStoredToken(value);
  }

  /** Logs in and stores the token (if allowed and the lease is ours); undefined when another process is at it. */
  async refresh(replacing: string | undefined, reason = 'rejected or expiring token'): Promise<StoredToken | undefined> {
    const { login } = this.options;
    if (!login) return undefined;
    if (!(await this.takeLease())) return undefined;
    try {
      // The refresher (or another instance before its lease expired) may have stored a new one meanwhile.
      const stored = await this.read(true);
      if (stored && stored.accessToken !== replacing && stored.expiresAt - this.now() > LEASE_MS) return stored;
      const client = await readJsonSecret<GenesysOAuthSecret>(login.oauthSecretArn, {
        client: this.options.secrets,
        parse: stringFields(['clientId', 'clientSecret'] as const),
      });
      const token = await requestClientCredentialsToken(login.loginUrl, client, {
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        now: () => this.now(),
      });
      await this.options.secrets.send(new PutSecretValueCommand({ SecretId: this.options.tokenSecretArn, SecretString: JSON.stringify(token) }));
      forgetSecret(this.options.tokenSecretArn);
      this.options.onLogin?.(reason);
      return token;
    } finally {
      await this.releaseLease();
    }
  }

  private async takeLease(): Promise<boolean> {
    const { lease } = this.options;
    if (!lease) return true;
    const now = this.now();
    try {
      await lease.client.send(
        new PutCommand({
          TableName: lease.table,
          Item: { id: TOKEN_REFRESH_LEASE_ID, holder: lease.holder, until: now + LEASE_MS, expiration: Math.ceil((now + LEASE_MS) / 1000) + 3600 },
          ConditionExpression: 'attribute_not_exists(id) OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async releaseLease(): Promise<void> {
    const { lease } = this.options;
    if (!lease) return;
    await lease.client
      .send(
        new DeleteCommand({
          TableName: lease.table,
          Key: { id: TOKEN_REFRESH_LEASE_ID },
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': lease.holder },
        }),
      )
      .catch(() => undefined); // not ours any more, or the table hiccuped: it expires anyway
  }
}
