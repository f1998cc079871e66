// The operator CLI as a user runs it: `local up`, `replay` of a JSONL file
// written by hand (not by our generator), `state`, `local down`, each a
// separate process.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/moto';
import { cliRunner } from './cli-runner';

const stateDir = mkdtempSync(join(tmpdir(), 'genesys-cli-'));
let port = 0;

const cli = cliRunner(stateDir, () => port);

afterAll(() => {
  cli('local', 'down');
});

describe('npm run cli', () => {
  it('local up → replay → state → local down', async () => {
    port = await freePort();
    const up = cli('local', 'up');
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ endpoint: `http://127.0.0.1:${port}`, projectionTable: 'genesys-events-projection' });

    const conversationId = randomUUID();
    const userId = randomUUID();
    const now = Date.now();
    // Hand-written lines, as an operator would paste them from a capture.
    const file = join(stateDir, 'capture.jsonl');
    writeFileSync(
      file,
      [
        `{"version":"0","id":"${randomUUID()}","detail-type":"v2.detail.events.conversation.{id}.customer.start","source":"aws.partner/genesys.com/cloud/org/suffix","account":"111122223333","time":"2026-11-24T08:00:00Z","region":"eu-west-1","resources":[],"detail":{"topicName":"v2.detail.events.conversation.${conversationId}.customer.start","version":"2","eventBody":{"eventTime":${now - 2000},"conversationId":"${conversationId}","participantId":"cust-1","mediaType":"CALL"},"metadata":{"CorrelationId":"corr-1"},"timestamp":"${new Date(now - 1990).toISOString()}"}}`,
        `{"version":"0","id":"${randomUUID()}","detail-type":"v2.detail.events.conversation.{id}.customer.end","source":"aws.partner/genesys.com/cloud/org/suffix","account":"111122223333","time":"2026-11-24T08:00:05Z","region":"eu-west-1","resources":[],"detail":{"topicName":"v2.detail.events.conversation.${conversationId}.customer.end","version":"2","eventBody":{"eventTime":${now - 1000},"conversationId":"${conversationId}","participantId":"cust-1","disconnectType":"CLIENT"},"metadata":{"CorrelationId":"corr-2"},"timestamp":"${new Date(now - 990).toISOString()}"}}`,
        `{"version":"0","id":"${randomUUID()}","detail-type":"v2.users.{id}.presence","source":"aws.partner/genesys.com/cloud/org/suffix","time":"2026-11-24T08:00:01Z","detail":{"topicName":"v2.users.${userId}.presence","version":"2","eventBody":{"presenceDefinition":{"systemPresence":"BUSY"},"modifiedDate":"${new Date(now - 500).toISOString()}"},"timestamp":"${new Date(now - 499).toISOString()}"}}`,
        'not json at all',
        '',
      ].join('\n'),
    );

    const replay = cli('replay', file);
    expect(replay.code, replay.stderr).toBe(0);
    const summary = JSON.parse(replay.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ lines: 4, published: 3, injected: 1, projected: 3, stale: 0, duplicates: 0, deadLettered: { 'invalid-json': 1 } });

    const state = cli('state', `conversation/${conversationId}`);
    expect(state.code, state.stderr).toBe(0);
    const view = JSON.parse(state.stdout);
    expect(view.entity).toBe(`conversation/${conversationId}`);
    expect(view.aspects['cust-1/customer.start']).toMatchObject({ eventTime: now - 2000, correlationId: 'corr-1', data: { mediaType: 'CALL' } });
    expect(view.aspects['cust-1/customer.end']).toMatchObject({ eventTime: now - 1000, correlationId: 'corr-2' });
    expect(view.aspects['cust-1/customer.end'].eventId).toMatch(/[0-9a-f-]{36}/);

    const unknown = cli('state', 'conversation/does-not-exist');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no projection for entity');

    const down = cli('local', 'down');
    expect(down.code).toBe(0);
    expect(() => readFileSync(join(stateDir, 'moto.pid'))).toThrow();
    const after = cli('state', `user/${userId}`);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('local up');
  });

  it('rejects bad flags with a message naming the fix', () => {
    const bad = cli('replay', 'x.jsonl', '--rate', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rate fast must be a positive number');
    const unknown = cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
  });
});
