// Scheduled (EventBridge Scheduler, every token_refresh_rate_minutes): keeps
// the one Genesys token every forwarder shares far from expiry.
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../shared/aws/clients';
import { envReader } from '../../shared/config/env';
import { MESSAGING_ENV } from '../../shared/messaging/contract';
import { refreshIfDue } from '../../shared/messaging/genesys/token';
import { SecretsTokenStore } from '../../shared/messaging/genesys/token-store';

const logger = new Logger({ serviceName: 'messaging-token-refresher' });
const env = envReader('messaging-token-refresher', process.env);
const stateTable = env.optionalText(MESSAGING_ENV.stateTable);
const store = new SecretsTokenStore({
  secrets: secretsManagerClient(),
  tokenSecretArn: env.text(MESSAGING_ENV.genesysTokenSecretArn),
  login: { loginUrl: env.text(MESSAGING_ENV.genesysLoginUrl), oauthSecretArn: env.text(MESSAGING_ENV.genesysOAuthSecretArn) },
  // With the state table, the refresher takes the same lease as a forwarder refreshing after a 401.
  ...(stateTable ? { lease: { client: documentClient(), table: stateTable, holder: `refresher-${process.pid}-${Date.now()}` } } : {}),
});

export const handler = async (): Promise<{ refreshed: boolean; reason: string; expiresAt?: string }> => {
  const outcome = await refreshIfDue(store);
  const expiresAt = outcome.expiresAt === undefined ? undefined : new Date(outcome.expiresAt).toISOString();
  logger.info(outcome.refreshed ? 'Genesys token refreshed' : 'Genesys token kept', { reason: outcome.reason, expiresAt });
  return { refreshed: outcome.refreshed, reason: outcome.reason, ...(expiresAt ? { expiresAt } : {}) };
};
