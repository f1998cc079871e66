// The messaging gateway as a user runs it from the CLI: `local up` starts it
// in the background and prints where it listens; a signed LINE webhook posted
// to the ingest endpoint reaches the Genesys double; `messaging drain` waits
// and prints the summary; `local down` stops it. Each command is a separate
// process, as in a terminal.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/moto';
import { cliRunner } from './cli-runner';
import { buildLineWebhook, signedRequest } from '../fixtures/messaging-webhooks';

const stateDir = mkdtempSync(join(tmpdir(), 'genesys-messaging-cli-'));
let port = 0;

const cli = cliRunner(stateDir, () => port);

afterAll(() => {
  cli('local', 'down');
});

describe('npm run cli: messaging', () => {
  it('local up → a signed webhook → messaging drain → local down', async () => {
    port = await freePort();
    const up = cli('local', 'up');
    expect(up.code, up.stderr).toBe(0);
    const { messaging } = JSON.parse(up.stdout) as { messaging: { ingestUrl: string; genesysUrl: string; platformUrl: string; integrationId: string } };
    expect(messaging).toMatchObject({ ingestUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/), genesysUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) });

    const webhook = buildLineWebhook({ events: [{ text: 'first' }, { text: 'second' }] });
    const request = signedRequest('line', webhook.body);
    const answer = await fetch(`${messaging.ingestUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
    expect(answer.status).toBe(200);

    const drain = cli('messaging', 'drain', '--timeout', '150');
    expect(drain.code, drain.stderr).toBe(0);
    expect(JSON.parse(drain.stdout)).toMatchObject({ received: 2, forwarded: 2, duplicatesDropped: 0, divertedToMaintenance: 0, deadLettered: {}, rateLimited429: 0 });

    const inbound = (await (await fetch(`${messaging.genesysUrl}/__double/inbound`)).json()) as Array<{ integrationId: string; body: { text: string } }>;
    expect(inbound.map((r) => [r.integrationId, r.body.text])).toEqual([
      [messaging.integrationId, 'first'],
      [messaging.integrationId, 'second'],
    ]);

    const down = cli('local', 'down');
    expect(down.code).toBe(0);
    const after = cli('messaging', 'drain');
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('local up');
  });
});
