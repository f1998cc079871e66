// Transient and persistent downstream faults, injected by a loopback proxy in
// front of the local DynamoDB so the shipped bundle meets them through its
// real SDK client.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replayLines } from '../../scripts/lib/replay';
import { dynamoDbCalls, startFaultProxy, type FaultProxy } from '../../scripts/local/fault-proxy';
import type { LocalStack } from '../../scripts/local/provision';
import { documentClient } from '../../shared/aws/clients';
import { readEntityItems } from '../../shared/projection/read-entity';
import { conversationEvent } from '../fixtures/factories';
import { drainForInspection } from './dlq';
import { QUICK, freshStack, localAwsEndpoint } from './local-aws';

let stack: LocalStack;
let proxy: FaultProxy;
beforeEach(async () => {
  stack = await freshStack();
  proxy = await startFaultProxy(localAwsEndpoint());
});
afterEach(async () => {
  await proxy.close();
});

const viaProxy = () => ({ ...QUICK.consumerEnv, AWS_ENDPOINT_URL_DYNAMODB: proxy.url });

describe('downstream faults', () => {
  it('a transient DynamoDB fault fails the record, which is retried and then projected', async () => {
    const conversationId = randomUUID();
    // Eight throttled writes outlast the SDK's three attempts twice over.
    proxy.setRules([{ matches: dynamoDbCalls(stack.projectionTable, ['UpdateItem']), kind: 'throttle', times: 8 }]);
    const events = Array.from({ length: 3 }, (_, i) => conversationEvent({ conversationId, participantId: `p${i}`, eventTime: Date.now() - 5000 }));

    const summary = await replayLines(stack, events.map((e) => JSON.stringify(e)), { ...QUICK, consumerEnv: viaProxy() });

    expect(proxy.injected[0]).toBe(8);
    expect(summary.retriedAttempts).toBeGreaterThan(0);
    expect(summary.projected).toBe(3);
    expect(summary.deadLettered).toEqual({});
    const items = await readEntityItems(documentClient(), stack.projectionTable, `conversation/${conversationId}`);
    expect(items.map((i) => i.aspect).sort()).toEqual(['p0/customer.start', 'p1/customer.start', 'p2/customer.start']);
  });

  it('a message that fails every time lands in the DLQ after maxReceiveCount; the others are projected', async () => {
    const doomed = randomUUID();
    const fine = randomUUID();
    proxy.setRules([{ matches: dynamoDbCalls(stack.projectionTable, ['UpdateItem'], doomed), kind: 'server-error' }]);
    const lines = [conversationEvent({ conversationId: doomed }), conversationEvent({ conversationId: fine })].map((e) => JSON.stringify(e));

    const summary = await replayLines(stack, lines, { ...QUICK, consumerEnv: viaProxy() });

    expect(summary.projected).toBe(1);
    expect(summary.deadLettered).toEqual({ 'retries-exhausted': 1 });
    const dlq = await drainForInspection(stack.bufferDlqUrl);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.Body).toContain(doomed);
    expect(Number(dlq[0]!.Attributes?.ApproximateReceiveCount)).toBeGreaterThan(stack.spec.defaults.buffer_max_receive_count);
    expect(await readEntityItems(documentClient(), stack.projectionTable, `conversation/${fine}`)).toHaveLength(1);
    expect(await readEntityItems(documentClient(), stack.projectionTable, `conversation/${doomed}`)).toHaveLength(0);
  });
});
