// The topic catalogue on the local AWS, through the consumer bundle that ships
// (the catalogue inlined at build time): a transcript replayed in the shape
// Genesys sends keeps every utterance, copies collapse, and the conversation
// reads back with its phases, attributes, flow outcomes and whole transcript.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build';
import { rebuildLocally } from '../../scripts/lib/archive-replay';
import { seededRandom, shuffleInPlace } from '../../scripts/lib/random';
import { replayLines } from '../../scripts/lib/replay';
import type { LocalStack } from '../../scripts/local/provision';
import { documentClient } from '../../shared/aws/clients';
import { TOPIC_CATALOGUE_DIR } from '../../shared/config/topic-catalogue';
import { builtInCatalogue } from '../../shared/genesys/event';
import { readEntityItems, toEntityView } from '../../shared/projection/read-entity';
import { GENESYS_SOURCE, envelope, attributesEvent, conversationEvent, flowOutcomeEvent, transcriptionEvent, unknownTopicEvent } from '../fixtures/factories';
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

describe('archive replay after a catalogue change (make rebuild)', () => {
  it('re-projects archived events under the new entry; idempotency is re-keyed per replay; the time range holds', async () => {
    // A topic the shipped catalogue does not know: stored as a stream under topic/<topicName>.
    const summaryEvent = (conversationId: string, eventTimeMs: number, text: string) =>
      envelope(
        'v2.conversations.{id}.summaries',
        `v2.conversations.${conversationId}.summaries`,
        { eventTime: new Date(eventTimeMs).toISOString(), conversationId, summary: { text } },
        { timestampMs: eventTimeMs + 3 },
      );
    const base = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    const conversations = [randomUUID(), randomUUID(), randomUUID()];
    const inRange = conversations.flatMap((id, c) => [0, 1, 2, 3].map((i) => summaryEvent(id, base + c * 1_000 + i * 60_000, `draft ${i}`)));
    const late = randomUUID();
    const outOfRange = summaryEvent(late, base + 30 * 60_000, 'after the range');
    const transcript = transcriptionEvent({ conversationId: conversations[0]!, eventTimeMs: base + 500 });
    const lines = [...inRange, outOfRange, transcript].map((e) => JSON.stringify(e));

    const live = await replayLines(stack, lines, QUICK);
    expect(live.projected).toBe(lines.length);
    expect(await readEntityItems(documentClient(), stack.projectionTable, `topic/v2.conversations.${conversations[0]}.summaries`)).toHaveLength(4);

    // The catalogue change: summaries become state under the conversation. Built into its own bundle.
    const dir = mkdtempSync(join(tmpdir(), 'catalogue-rebuild-'));
    cpSync(TOPIC_CATALOGUE_DIR, join(dir, 'catalogue'), { recursive: true });
    writeFileSync(
      join(dir, 'catalogue', 'conversation-summary.json'),
      JSON.stringify({
        topics: [{
          name: 'summary',
          detailType: 'v2.conversations.{id}.summaries',
          entity: 'conversation/{eventBody.conversationId}',
          aspect: 'summary',
          eventTime: { path: 'eventBody.eventTime', format: 'iso' },
          mode: 'state',
        }],
      }),
    );
    await buildFunctions(['event-consumer'], { catalogueDir: join(dir, 'catalogue'), distDir: join(dir, 'dist') });
    const changed = { ...QUICK, bundleDir: join(dir, 'dist') };

    // The same events sent live again hit idempotency: recorded content, nothing re-projected.
    const resent = await replayLines(stack, lines, changed);
    expect(resent.duplicates).toBeGreaterThanOrEqual(lines.length - resent.retriedAttempts);
    expect(resent.projected).toBe(0);
    const summaryOf = async (id: string) => (await readEntityItems(documentClient(), stack.projectionTable, `conversation/${id}`, 'summary'))[0];
    expect(await summaryOf(conversations[0]!)).toBeUndefined();

    // A replay of the archive (which now holds each event twice) re-projects them: a new idempotency key per replay.
    const report = await rebuildLocally(stack, { from: new Date(base - 60_000), to: new Date(base + 10 * 60_000) }, changed);
    expect(report.state).toBe('COMPLETED');
    expect(report.consumed.deadLettered).toEqual({});
    // 12 summaries + 1 transcription event, each archived twice: every copy handled once, the second of each a duplicate.
    expect(report.consumed.projected + report.consumed.stale + report.consumed.duplicates).toBeGreaterThanOrEqual(26);
    expect(report.consumed.duplicates).toBeGreaterThanOrEqual(13);
    for (const [c, id] of conversations.entries()) {
      const item = await summaryOf(id);
      expect(item?.eventTime, `conversation ${c}`).toBe(base + c * 1_000 + 3 * 60_000);
      expect(JSON.parse(item!.data)).toMatchObject({ summary: { text: 'draft 3' } });
    }
    // Outside the range: not replayed, so still only under its topic.
    expect(await summaryOf(late)).toBeUndefined();
    // The transcription event was replayed onto its own stream aspect: a stale no-op, still one item.
    expect(await readEntityItems(documentClient(), stack.projectionTable, `conversation/${conversations[0]}`, 'transcript/')).toHaveLength(1);
  });
});
