// The topic catalogue on the local AWS, through the consumer bundle that ships
// (the catalogue inlined at build time): a transcript replayed in the shape
// Genesys sends keeps every utterance, copies collapse, and the conversation
// reads back with its phases, attributes, flow outcomes and whole transcript.
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { seededRandom, shuffleInPlace } from '../../scripts/lib/random';
import { replayLines } from '../../scripts/lib/replay';
import type { LocalStack } from '../../scripts/local/provision';
import { documentClient } from '../../shared/aws/clients';
import { builtInCatalogue } from '../../shared/genesys/event';
import { readEntityItems, toEntityView } from '../../shared/projection/read-entity';
import { GENESYS_SOURCE, attributesEvent, conversationEvent, flowOutcomeEvent, transcriptionEvent, unknownTopicEvent } from '../fixtures/factories';
import { QUICK, freshStack } from './local-aws';

let stack: LocalStack;
beforeEach(async () => {
  stack = await freshStack();
});

type Transcript = Array<{ utteranceId: string }>;

describe('routing', () => {
  it('the rules (terraform/event-patterns) deliver every catalogue entry to the buffer exactly once, a test org source included', async () => {
    const detailTypes = builtInCatalogue().entries.map((e) => e.detailType.replace(/\*$/, 'customer.start'));
    const entries = detailTypes.map((detailType, i) => ({
      EventBusName: stack.busName,
      Source: i % 2 ? GENESYS_SOURCE : GENESYS_SOURCE.replace('genesys.com/', 'genesys.com.test/'),
      DetailType: detailType,
      Detail: JSON.stringify({ topicName: detailType.replaceAll('{id}', 'x'), version: '2', eventBody: {} }),
    }));
    await new EventBridgeClient({}).send(new PutEventsCommand({ Entries: entries }));
    const sqs = new SQSClient({});
    const received: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.bufferQueueUrl, MaxNumberOfMessages: 10 }));
      received.push(...Messages.map((m) => (JSON.parse(m.Body!) as { 'detail-type': string })['detail-type']));
    }
    expect(received.sort()).toEqual([...detailTypes].sort());
  });
});

describe('stream topics through the bundle', () => {
  it('a replayed transcript keeps every utterance once; copies (new envelope ids, -archival correlation ids) collapse', async () => {
    const conversationId = randomUUID();
    const start = Date.now() - 600_000;
    const transcript = Array.from({ length: 80 }, (_, i) =>
      transcriptionEvent({
        conversationId,
        eventTimeMs: start + i * 2_000,
        utterances: i % 10 === 9
          ? [{ utteranceId: randomUUID(), transcript: `first half ${i}` }, { utteranceId: randomUUID(), transcript: `second half ${i}`, channel: 'INTERNAL' }]
          : [{ utteranceId: randomUUID(), transcript: `utterance ${i}`, dialect: i % 2 ? 'es-US' : 'es-us' }],
      }),
    );
    transcript.push(transcriptionEvent({ conversationId, eventTimeMs: start + 200_000, utterances: [], status: 'SESSION_ENDED' }));
    const phases = [
      conversationEvent({ conversationId, participantId: 'cust-1', suffix: 'customer.start', eventTime: start - 1_000 }),
      attributesEvent({ conversationId, participantId: 'cust-1', eventTime: start - 500, attributes: { language: 'es-US' } }),
      flowOutcomeEvent({ conversationId, participantId: 'ivr-1', eventTime: start - 400, flowOutcomeId: 'o-1', flowType: 'inqueuecall' }),
    ];
    const utterances = new Set(transcript.flatMap((e) => ((e.detail.eventBody.transcripts ?? []) as Transcript).map((t) => t.utteranceId)));
    // Three copies of every transcription event, one of them re-sent with an -archival correlation id.
    const lines = [
      ...phases.map((e) => JSON.stringify(e)),
      ...transcript.flatMap((e) => [
        JSON.stringify(e),
        JSON.stringify({ ...e, id: randomUUID() }),
        JSON.stringify({ ...e, id: randomUUID(), detail: { ...e.detail, metadata: { CorrelationId: `${e.detail.metadata.CorrelationId}-archival` } } }),
      ]),
    ];
    shuffleInPlace(seededRandom(3), lines);

    const summary = await replayLines(stack, lines, QUICK);

    expect(summary.deadLettered).toEqual({});
    expect(summary.projected).toBe(transcript.length + phases.length);
    expect(summary.duplicates + summary.stale).toBe(2 * transcript.length);
    const items = await readEntityItems(documentClient(), stack.projectionTable, `conversation/${conversationId}`, 'transcript/');
    expect(items).toHaveLength(transcript.length);
    const stored = items.flatMap((item) => ((JSON.parse(item.data) as { transcripts?: Transcript }).transcripts ?? []).map((t) => t.utteranceId));
    expect(stored).toHaveLength(utterances.size);
    expect(new Set(stored)).toEqual(utterances);

    const view = toEntityView(`conversation/${conversationId}`, await readEntityItems(documentClient(), stack.projectionTable, `conversation/${conversationId}`))!;
    const aspects = Object.keys(view.aspects);
    // Order-key order: the phases (earlier event times), then the transcript as spoken, the session end last.
    expect(aspects.slice(0, 3)).toEqual(['cust-1/customer.start', 'cust-1/attributes', 'ivr-1/flow.outcome/o-1']);
    expect(aspects).toHaveLength(transcript.length + phases.length);
    expect(view.aspects[aspects.at(-1)!]?.data).toMatchObject({ status: { status: 'SESSION_ENDED' } });
    expect(view.latestAspect).toBe(aspects.at(-1));
    expect(view.aspects['ivr-1/flow.outcome/o-1']?.data).toMatchObject({ flowType: 'inqueuecall', flowOutcomeValue: 'SUCCESS' });
  });

  it('an unknown topic keeps every event: a stream under topic/<topicName>', async () => {
    const topicName = `v2.analytics.queues.${randomUUID()}.observations`;
    const events = Array.from({ length: 5 }, (_, i) => unknownTopicEvent({ topicName, timestampMs: Date.now() - 10_000 + i }));
    const summary = await replayLines(stack, [...events, events[0]!].map((e) => JSON.stringify({ ...e, id: randomUUID() })), QUICK);
    expect(summary.projected).toBe(5);
    const items = await readEntityItems(documentClient(), stack.projectionTable, `topic/${topicName}`);
    expect(items.map((i) => i.aspect).every((a) => a.startsWith('event/'))).toBe(true);
    expect(items).toHaveLength(5);
  });
});
