// The cached JSON secret reader: one read per cold start (or per maxAgeMs),
// concurrent readers share it, failures are not cached, errors name the secret
// and never its value. The Secrets Manager client is a stub (pure caching logic).
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecret, readJsonSecret, stringFields } from '../../shared/messaging/secrets';
import { LOCAL_WEBHOOK_SECRETS, WEBHOOK_SECRET_ENV, webhookSecretsFromEnv } from '../../scripts/local/messaging-secrets';

afterEach(() => forgetSecret());

function stubClient(answers: Array<string | Error | undefined>) {
  const calls: string[] = [];
  const client = {
    send: async (command: { input: { SecretId: string } }) => {
      calls.push(command.input.SecretId);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return { SecretString: next };
    },
  } as unknown as SecretsManagerClient;
  return { client, calls };
}

describe('readJsonSecret', () => {
  it('reads once, then serves from memory until maxAgeMs has passed', async () => {
    const { client, calls } = stubClient(['{"a":"1"}', '{"a":"2"}']);
    let now = 1000;
    const options = { client, maxAgeMs: 60_000, now: () => now };
    expect(await readJsonSecret('arn:s', options)).toEqual({ a: '1' });
    now += 59_999;
    expect(await readJsonSecret('arn:s', options)).toEqual({ a: '1' });
    now += 1;
    expect(await readJsonSecret('arn:s', options)).toEqual({ a: '2' });
    expect(calls).toEqual(['arn:s', 'arn:s']);
  });

  it('by default keeps the value for the life of the process; forgetSecret forces a new read', async () => {
    const { client, calls } = stubClient(['{"a":"1"}', '{"a":"2"}']);
    await readJsonSecret('arn:t', { client });
    await readJsonSecret('arn:t', { client, now: () => Date.now() + 365 * 86_400_000 });
    expect(calls).toHaveLength(1);
    forgetSecret('arn:t');
    expect(await readJsonSecret('arn:t', { client })).toEqual({ a: '2' });
  });

  it('concurrent readers of a cold secret share one read', async () => {
    const { client, calls } = stubClient(['{"a":"1"}']);
    const values = await Promise.all(Array.from({ length: 5 }, () => readJsonSecret('arn:c', { client })));
    expect(values).toEqual(Array(5).fill({ a: '1' }));
    expect(calls).toHaveLength(1);
  });

  it('does not cache a failure, and names the secret (not the value) in errors', async () => {
    const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
    const { client } = stubClient([notFound, 'not json {hunter2', '["x"]', '{"lineChannelSecret":5}', '{"a":"ok"}']);
    await expect(readJsonSecret('arn:f', { client })).rejects.toThrow('could not read secret arn:f: ResourceNotFoundException');
    const notJson = await readJsonSecret('arn:f', { client }).catch((e: Error) => e.message);
    expect(notJson).toBe('secret arn:f is not JSON: store it as a JSON object.');
    await expect(readJsonSecret('arn:f', { client })).rejects.toThrow('expected a JSON object');
    await expect(readJsonSecret('arn:f', { client, parse: stringFields(['lineChannelSecret']) })).rejects.toThrow('field "lineChannelSecret" must be a string');
    expect(await readJsonSecret('arn:f', { client })).toEqual({ a: 'ok' });
  });
});

describe('stringFields', () => {
  it('refuses a missing or non-string field, or fills a missing one when told to', () => {
    const parse = stringFields(['a', 'b'] as const);
    expect(() => parse({ a: 'x' })).toThrow('field "b" must be a string');
    expect(() => stringFields(['a'] as const, { missingAs: '' })({ a: 5 })).toThrow('field "a" must be a string');
    expect(stringFields(['a', 'b'] as const, { missingAs: '' })({ a: 'x' })).toEqual({ a: 'x', b: '' });
  });
});

describe('local webhook secrets', () => {
  it('take each set, non-empty variable and the documented default otherwise', () => {
    expect(webhookSecretsFromEnv({})).toEqual(LOCAL_WEBHOOK_SECRETS);
    const env = { [WEBHOOK_SECRET_ENV.lineChannelSecret]: 'from-env', [WEBHOOK_SECRET_ENV.viberAuthToken]: '' };
    expect(webhookSecretsFromEnv(env)).toEqual({ ...LOCAL_WEBHOOK_SECRETS, lineChannelSecret: 'from-env' });
    expect(Object.values(WEBHOOK_SECRET_ENV).sort()).toEqual(
      ['GENESYS_WEBHOOK_SECRET', 'LINE_CHANNEL_SECRET', 'TELEGRAM_SECRET_TOKEN', 'VIBER_AUTH_TOKEN', 'WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN'],
    );
  });
});
