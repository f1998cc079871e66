// The pieces the forwarder and the dispatcher wire the same way, so both
// share one Genesys token (Secrets Manager), one Genesys rate-limit bucket
// per integration (the limit is per token) and one reading of the platform
// credentials.
import { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PlatformCredentials } from './contract';
import { SharedToken } from './genesys/token';
import { SecretsTokenStore } from './genesys/token-store';
import { DynamoRateLimiter, perMinuteSettings } from './rate-limit';
import { readJsonSecret, stringFields } from './secrets';

export interface GenesysSideConfig {
  stateTable: string;
  integrationId: string;
  genesysTokenSecretArn: string;
  genesysLoginUrl: string | undefined;
  genesysOAuthSecretArn: string | undefined;
  rateLimitMaxWaitMs: number;
}

export function sharedGenesysToken(config: GenesysSideConfig, deps: { secrets: SecretsManagerClient; docs: DynamoDBDocumentClient; component: string; onLogin: (reason: string) => void }): SharedToken {
  return new SharedToken(
    new SecretsTokenStore({
      secrets: deps.secrets,
      tokenSecretArn: config.genesysTokenSecretArn,
      ...(config.genesysLoginUrl && config.genesysOAuthSecretArn ? { login: { loginUrl: config.genesysLoginUrl, oauthSecretArn: config.genesysOAuthSecretArn } } : {}),
      lease: { client: deps.docs, table: config.stateTable, holder: `${deps.component}-${process.pid}-${Date.now()}` },
      onLogin: deps.onLogin,
    }),
  );
}

/** The per-token Genesys bucket: the same item for every function that calls Genesys with the shared token. */
export const genesysRateLimiter = (config: GenesysSideConfig, rateLimitPerMinute: number, docs: DynamoDBDocumentClient): DynamoRateLimiter =>
  new DynamoRateLimiter({
    client: docs,
    table: config.stateTable,
    bucket: `genesys:${config.integrationId}`,
    settings: perMinuteSettings(rateLimitPerMinute, config.rateLimitMaxWaitMs),
  });

/** Rotated credentials reach warm instances within five minutes. */
export const platformCredentialsReader = (secretArn: string, secrets: SecretsManagerClient) => (): Promise<PlatformCredentials> =>
  readJsonSecret<PlatformCredentials>(secretArn, {
    client: secrets,
    maxAgeMs: 300_000,
    parse: stringFields(['lineChannelAccessToken', 'telegramBotToken', 'viberAuthToken', 'whatsappAccessToken', 'whatsappPhoneNumberId'] as const),
  });

/**
 * The S3 client for attachment streams (inbound and outbound). Not the shared
 * clients' short per-request timeout: a part upload of a 25 MB attachment
 * would be cut. S3_FORCE_PATH_STYLE is set by the local stack only.
 */
export const attachmentS3Client = (): S3Client => new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true', maxAttempts: 3 });
