import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { projectEvent, projectionUpdate } from '../../shared/projection/project-event';
import { toEntityView } from '../../shared/projection/read-entity';
import { LIMITS, conversationEvent } from '../fixtures/factories';

const event = parseGenesysEvent(JSON.stringify(conversationEvent({ conversationId: 'c-1', participantId: 'p-1', suffix: 'acw' })), LIMITS);

/** A DynamoDB client double for pure logic: records commands, answers with a scripted outcome. */
function clientThat(outcome: 'ok' | 'condition-failed' | Error) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      sent.push(command.input);
      if (outcome === 'condition-failed') throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      if (outcome instanceof Error) throw outcome;
      return {};
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

describe('conditional last-write-wins update', () => {
  it('writes one item per (entity, aspect) only if the stored order key is absent or smaller', () => {
    const input = projectionUpdate('projection', event, '2026-11-24T08:00:00.000Z').input;
    expect(input.Key).toEqual({ entity: { S: 'conversation/c-1' }, aspect: { S: 'p-1/acw' } });
    expect(input.ConditionExpression).toBe('attribute_not_exists(#orderKey) OR #orderKey < :orderKey');
    expect(input.ExpressionAttributeNames?.['#orderKey']).toBe('orderKey');
    expect(input.ExpressionAttributeValues?.[':orderKey']).toEqual({ S: event.orderKey });
    expect(input.ExpressionAttributeValues?.[':eventTime']).toEqual({ N: String(event.eventTimeMs) });
    expect(JSON.parse(input.ExpressionAttributeValues?.[':data']?.S ?? '')).toEqual(event.eventBody);
  });

  it('reports applied when the write succeeds', async () => {
    const { client, sent } = clientThat('ok');
    await expect(projectEvent(client, 'projection', event)).resolves.toBe('applied');
    expect(sent).toHaveLength(1);
  });

  it('reports stale, not an error, when the condition fails', async () => {
    const { client } = clientThat('condition-failed');
    await expect(projectEvent(client, 'projection', event)).resolves.toBe('stale');
  });

  it('lets other errors through so the record is retried', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { client } = clientThat(throttled);
    await expect(projectEvent(client, 'projection', event)).rejects.toThrow('Rate exceeded');
  });
});

describe('entity view', () => {
  it('derives the latest phase as the aspect with the greatest order key', () => {
    const item = (aspect: string, orderKey: string) => ({
      entity: 'conversation/c', aspect, orderKey, eventId: aspect, eventTime: 1, detailTimestamp: 1, digest: 'd',
      topicName: 't', detailType: 'dt', correlationId: '', data: '{"a":1}', projectedAt: '',
    });
    const view = toEntityView('conversation/c', [item('p/customer.start', '001'), item('p/customer.end', '003'), item('p/acw', '002')]);
    expect(view?.latestAspect).toBe('p/customer.end');
    expect(view?.aspects['p/acw']).toEqual({ eventId: 'p/acw', eventTime: 1, correlationId: null, topicName: 't', data: { a: 1 } });
    expect(toEntityView('conversation/none', [])).toBeUndefined();
  });
});
