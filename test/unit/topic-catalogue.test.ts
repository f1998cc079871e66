// The topic catalogue: loading and validation (terraform/topic-catalogue/),
// each built-in family from factory-built events in the shapes Genesys sends,
// stream topics keeping every event while copies collapse, the unknown-topic
// default, and the replay re-keying of idempotency.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build';
import { buildOracle } from '../../scripts/lib/oracle';
import { seededRandom, shuffleInPlace } from '../../scripts/lib/random';
import { readCatalogueFiles, TOPIC_CATALOGUE_DIR } from '../../shared/config/topic-catalogue';
import { CatalogueError, compileCatalogue, type CatalogueFile } from '../../shared/genesys/catalogue';
import { builtInCatalogue, parseGenesysEvent } from '../../shared/genesys/event';
import {
  BASE_TIME,
  LIMITS,
  attributesEvent,
  auditEvent,
  conversationEvent,
  flowOutcomeEvent,
  presenceEvent,
  routingQueueEvent,
  transcriptionEvent,
  unknownTopicEvent,
  userPresenceAuditEvent,
} from '../fixtures/factories';

const parse = (event: unknown, catalogue = builtInCatalogue()) => parseGenesysEvent(JSON.stringify(event), LIMITS, catalogue);

const entry = (overrides: Record<string, unknown> = {}) => ({
  name: 'thing',
  detailType: 'v2.things.{id}',
  entity: 'thing/{topic.1}',
  aspect: 'latest',
  eventTime: { format: 'none' },
  mode: 'state',
  ...overrides,
});
const file = (name: string, topics: unknown[]): CatalogueFile => ({ file: `terraform/topic-catalogue/${name}.json`, text: JSON.stringify({ topics }) });

function problemsOf(files: CatalogueFile[]): string[] {
  try {
    compileCatalogue(files);
  } catch (error) {
    if (error instanceof CatalogueError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the catalogue to be refused');
}

describe('catalogue loader', () => {
  it('loads the shipped families and matches an exact detail-type before a family pattern', () => {
    const catalogue = compileCatalogue(readCatalogueFiles());
    expect([...new Set(catalogue.entries.map((e) => e.family))].sort()).toEqual([
      'audits',
      'conversation-detail',
      'conversation-transcription',
      'routing-queue-conversations',
      'user-presence',
    ]);
    const match = (detailType: string) => `${catalogue.match(detailType).family}/${catalogue.match(detailType).name}`;
    expect(match('v2.detail.events.conversation.{id}.customer.start')).toBe('conversation-detail/conversation-event');
    expect(match('v2.detail.events.conversation.{id}.attributes')).toBe('conversation-detail/attributes');
    expect(match('v2.detail.events.conversation.{id}.flow.outcome')).toBe('conversation-detail/flow-outcome');
    expect(match('v2.conversations.{id}.transcription')).toBe('conversation-transcription/transcription');
    expect(match('v2.detail.events.conversation.{id}.')).toBe('other/unknown-topic');
    expect(match('v2.flows.outcomes.{id}')).toBe('other/unknown-topic');
  });

  it('the opt-in audit trail variant compiles in place of audits.json', () => {
    const files = readCatalogueFiles().filter((f) => !f.file.endsWith('/audits.json'));
    const variant = join(TOPIC_CATALOGUE_DIR, 'variants', 'audits-stream.json');
    const catalogue = compileCatalogue([...files, { file: 'terraform/topic-catalogue/audits.json', text: readFileSync(variant, 'utf8') }]);
    const entityId = randomUUID();
    const first = parse(auditEvent({ entityId, eventTime: '2026-11-24T08:00:01Z', action: 'CREATE' }), catalogue);
    const second = parse(auditEvent({ entityId, eventTime: '2026-11-24T08:00:02Z', action: 'UPDATE' }), catalogue);
    expect(first.entity).toBe(second.entity);
    expect(first.mode).toBe('stream');
    expect(first.aspect).toBe(`audit/${first.orderKey}`);
    expect(second.aspect).not.toBe(first.aspect);
  });

  it.each([
    ['a mode that is neither state nor stream', [entry({ mode: 'streem' })], /things\.json, entry "thing": mode "streem" is not "state" or "stream"\. Fix:/],
    ['a missing entity', [entry({ entity: undefined })], /entry "thing": "entity" is missing\. Fix: give the entity key template/],
    ['an unknown key (a typo)', [entry({ aspekt: 'x' })], /entry "thing": unknown key "aspekt"\. Fix:/],
    ['an unknown event-time format', [entry({ eventTime: { path: 'eventBody.t', format: 'epoch-s' } })], /eventTime\.format "epoch-s" is not one of epoch-ms, iso, none\. Fix:/],
    ['an event-time path outside the event', [entry({ eventTime: { path: 'body.t', format: 'iso' } })], /eventTime\.path "body\.t" is not a dotted path under eventBody or detail\. Fix:/],
    ['a placeholder that is no path', [entry({ entity: 'thing/{conversationId}' })], /entity: placeholder \{conversationId\} is not a dotted path.*Fix:/],
    ['{topic.2} with one {id}', [entry({ entity: 'thing/{topic.2}' })], /refers to \{id\} number 2, but detailType has 1\. Fix:/],
    ['{suffix} without a "*"', [entry({ aspect: '{suffix}' })], /\{suffix\} needs a detailType ending in "\*"/],
    ['a stream aspect without {orderKey}', [entry({ mode: 'stream', aspect: 'transcript' })], /a stream aspect must contain \{orderKey\}.*Fix: e\.g\. "aspect": "transcript\/\{orderKey\}"/],
    ['a state aspect with {orderKey}', [entry({ aspect: 'x/{orderKey}' })], /a state aspect must not contain \{orderKey\}.*Fix: set "mode": "stream"/],
    ['a "*" in the middle', [entry({ detailType: 'v2.*.presence' })], /has a "\*" before its end\. Fix:/],
    ['"*" alone', [entry({ detailType: '*' })], /detailType "\*" would take every topic/],
    ['two entries with one name', [entry(), entry({ detailType: 'v2.other.{id}' })], /entry "thing": the name is used twice in this file/],
  ])('refuses %s, naming the file, the entry and the fix', (_label, topics, message) => {
    const problems = problemsOf([file('things', topics)]);
    expect(problems.join('\n')).toMatch(message);
    expect(problems.every((p) => p.startsWith('terraform/topic-catalogue/things.json'))).toBe(true);
  });

  it('refuses a file that is not JSON or has no topics', () => {
    expect(problemsOf([{ file: 'terraform/topic-catalogue/broken.json', text: '{"topics": [' }]).join('\n')).toMatch(/broken\.json: not JSON .*Fix: correct the syntax/);
    expect(problemsOf([{ file: 'terraform/topic-catalogue/empty.json', text: '{"entries": []}' }]).join('\n')).toMatch(/empty\.json: expected \{ "topics": \[/);
  });

  it('refuses overlapping families: the same detail-type twice, or one family pattern inside another', () => {
    const twice = problemsOf([file('one', [entry()]), file('two', [entry({ name: 'again' })])]);
    expect(twice.join('\n')).toMatch(/two\.json, entry "again" and terraform\/topic-catalogue\/one\.json, entry "thing" both claim detail-type "v2\.things\.\{id\}"\. Fix: keep one/);
    const nested = problemsOf([
      file('wide', [entry({ name: 'wide', detailType: 'v2.detail.events.conversation.{id}.*', aspect: '{suffix}' })]),
      file('narrow', [entry({ name: 'narrow', detailType: 'v2.detail.events.conversation.{id}.acd.*', aspect: '{suffix}' })]),
    ]);
    expect(nested.join('\n')).toMatch(/narrow\.json, entry "narrow" \("v2\.detail\.events\.conversation\.\{id\}\.acd\.\*"\) and .*wide\.json, entry "wide" .* overlap.*Fix:/);
  });

  it('a wrong entry fails the build, naming the file, the entry and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
    writeFileSync(join(dir, 'transcripts.json'), JSON.stringify({ topics: [entry({ name: 'transcription', mode: 'stream', aspect: 'transcript' })] }));
    await expect(buildFunctions(['event-consumer'], { catalogueDir: dir, distDir: join(dir, 'dist') })).rejects.toThrow(
      /transcripts\.json, entry "transcription": a stream aspect must contain \{orderKey\}.*Fix:/,
    );
  });
});

describe('built-in families, from events in the shapes Genesys sends', () => {
  it('the four original families keep their keys', () => {
    expect(parse(conversationEvent({ conversationId: 'c-1', participantId: 'p-9', suffix: 'acw' }))).toMatchObject({ entity: 'conversation/c-1', aspect: 'p-9/acw', mode: 'state' });
    expect(parse(auditEvent({ entityType: 'USER', entityId: 'u-1' }))).toMatchObject({ entity: 'audit/USER/u-1', aspect: 'audit', mode: 'state' });
    expect(parse(presenceEvent({ userId: 'u-7' }))).toMatchObject({ entity: 'user/u-7', aspect: 'presence', mode: 'state' });
    expect(parse(routingQueueEvent({ queueId: 'q-3', conversationId: 'c-5' }))).toMatchObject({ entity: 'conversation/c-5', aspect: 'queue/q-3', mode: 'state' });
    const noParticipant = conversationEvent({ conversationId: 'c-2', suffix: 'customer.end' });
    delete (noParticipant.detail.eventBody as Record<string, unknown>).participantId;
    expect(parse(noParticipant).aspect).toBe('-/customer.end');
  });

  it('transcription: a stream under the conversation, event time from eventBody.eventTime (ISO with ms)', () => {
    const conversationId = randomUUID();
    const two = transcriptionEvent({
      conversationId,
      eventTimeMs: BASE_TIME + 1_234,
      utterances: [
        { utteranceId: 'u-1', transcript: 'hola buenos días', dialect: 'es-US' },
        { utteranceId: 'u-2', transcript: 'quiero saber de mi pedido', dialect: 'es-us', channel: 'INTERNAL' },
      ],
    });
    const ended = transcriptionEvent({ conversationId, eventTimeMs: BASE_TIME + 9_000, utterances: [], status: 'SESSION_ENDED' });
    const e = parse(two);
    expect(e).toMatchObject({ family: 'conversation-transcription', mode: 'stream', entity: `conversation/${conversationId}`, eventTimeMs: BASE_TIME + 1_234 });
    expect(e.aspect).toBe(`transcript/${e.orderKey}`);
    // Two utterances in one event stay one event: one aspect holding both, casing as received.
    expect((e.eventBody.transcripts as Array<{ utteranceId: string; dialect: string }>).map((t) => [t.utteranceId, t.dialect])).toEqual([
      ['u-1', 'es-US'],
      ['u-2', 'es-us'],
    ]);
    // A status-only event has no transcripts and is kept too, after the utterances.
    const end = parse(ended);
    expect(end.eventBody.transcripts).toBeUndefined();
    expect(end.eventBody.status).toEqual({ status: 'SESSION_ENDED', offsetMs: 59_000 });
    expect(end.aspect > e.aspect).toBe(true);
  });

  it('participant attributes and flow outcomes: state under the conversation', () => {
    const conversationId = randomUUID();
    const attributes = parse(attributesEvent({ conversationId, participantId: 'cust-1', attributes: { language: 'es-US' } }));
    expect(attributes).toMatchObject({ family: 'conversation-detail', topic: 'attributes', mode: 'state', entity: `conversation/${conversationId}`, aspect: 'cust-1/attributes' });
    const outcome = parse(flowOutcomeEvent({ conversationId, participantId: 'ivr-1', flowOutcomeId: 'o-7', flowType: 'inqueuecall' }));
    expect(outcome).toMatchObject({ topic: 'flow-outcome', mode: 'state', entity: `conversation/${conversationId}`, aspect: 'ivr-1/flow.outcome/o-7' });
    // Casing drift (inqueuecall vs INBOUNDCALL) is stored as received.
    expect(outcome.eventBody.flowType).toBe('inqueuecall');
    expect(outcome.eventBody.flowMilestones).toHaveLength(2);
  });

  it('user presence as an audit (entityType UserPresence, whole-second eventTime, propertyChanges without oldValues)', () => {
    const userId = randomUUID();
    const e = parse(userPresenceAuditEvent({ userId, eventTimeMs: BASE_TIME + 4_321, to: 'BUSY' }));
    expect(e).toMatchObject({ family: 'audits', entity: `audit/UserPresence/${userId}`, aspect: 'audit', eventTimeMs: BASE_TIME + 4_000 });
    expect(e.detailTimestampMs - e.eventTimeMs).toBeGreaterThanOrEqual(1_000);
    expect(e.eventBody.propertyChanges).toEqual([{ property: 'presenceDefinition', newValues: ['BUSY'] }]);
  });

  it('a test org source (aws.partner/genesys.com.test/cloud/…) is accepted like any other', () => {
    const event = { ...presenceEvent({ userId: 'u-1' }), source: 'aws.partner/genesys.com.test/cloud/d4c8e0f2-0000-4000-8000-00000000c0de/events' };
    expect(parse(event)).toMatchObject({ entity: 'user/u-1', source: event.source });
  });

  it('an -archival CorrelationId is a log field: the re-sent event is a copy of the original (same digest, aspect and order key)', () => {
    const original = transcriptionEvent({ correlationId: 'c0ffee00-0000-4000-8000-000000000001' });
    const archival = { ...original, id: randomUUID(), detail: { ...original.detail, metadata: { CorrelationId: 'c0ffee00-0000-4000-8000-000000000001-archival' } } };
    const [a, b] = [parse(original), parse(archival)];
    expect(b).toMatchObject({ digest: a.digest, orderKey: a.orderKey, aspect: a.aspect, entity: a.entity, correlationId: 'c0ffee00-0000-4000-8000-000000000001-archival' });
  });

  it('detail-type and topicName disagree: the detail-type decides (the rules routed by it), and the disagreement is flagged', () => {
    const event = conversationEvent({ conversationId: 'c-1', participantId: 'p-1', suffix: 'customer.start' });
    event.detail.topicName = 'v2.detail.events.conversation.c-1.customer.end';
    expect(parse(event)).toMatchObject({ aspect: 'p-1/customer.start', topicMismatch: true });
    expect(parse(conversationEvent()).topicMismatch).toBe(false);
    // An entry whose key needs an id from the topic name cannot guess it.
    const presence = presenceEvent({ userId: 'u-1' });
    presence.detail.topicName = 'v2.users.u-1.routingStatus';
    expect(() => parse(presence)).toThrow(/detail\.topicName: v2\.users\.u-1\.routingStatus does not follow v2\.users\.\{id\}\.presence \(the entity of catalogue entry user-presence\/presence\)/);
  });
});

describe('stream topics and the unknown-topic default', () => {
  it('unknown topics are a stream under topic/<topicName>: nothing overwritten, copies collapse', () => {
    const topicName = `v2.flows.outcomes.${randomUUID()}`;
    const first = parse(unknownTopicEvent({ topicName, timestampMs: BASE_TIME + 1 }));
    const second = parse(unknownTopicEvent({ topicName, timestampMs: BASE_TIME + 2 }));
    expect(first).toMatchObject({ family: 'other', mode: 'stream', entity: `topic/${topicName}`, aspect: `event/${first.orderKey}` });
    expect(second.aspect).not.toBe(first.aspect);
    const copy = unknownTopicEvent({ topicName, timestampMs: BASE_TIME + 1 });
    expect(parse({ ...copy, id: randomUUID() }).aspect).toBe(first.aspect);
  });

  it('×3 copies of a transcript, shuffled, with -archival re-sends: every utterance stored once', () => {
    const conversations = [randomUUID(), randomUUID()];
    const events = conversations.flatMap((conversationId, c) => [
      ...Array.from({ length: 20 }, (_, i) =>
        transcriptionEvent({
          conversationId,
          eventTimeMs: BASE_TIME + i * 1_500,
          utterances: i % 5 === 4
            ? [{ utteranceId: `${c}-u${i}a`, transcript: `part one ${i}` }, { utteranceId: `${c}-u${i}b`, transcript: `part two ${i}` }]
            : [{ utteranceId: `${c}-u${i}`, transcript: `sentence ${i}`, dialect: i % 2 ? 'es-US' : 'es-us' }],
        }),
      ),
      transcriptionEvent({ conversationId, eventTimeMs: BASE_TIME + 40_000, utterances: [], status: 'SESSION_ENDED' }),
    ]);
    const utterances = new Set(events.flatMap((e) => ((e.detail.eventBody.transcripts ?? []) as Array<{ utteranceId: string }>).map((t) => t.utteranceId)));
    const lines = events.flatMap((e) => [0, 1, 2].map((copy) => JSON.stringify({
      ...e,
      id: randomUUID(),
      detail: copy === 2 ? { ...e.detail, metadata: { CorrelationId: `${e.detail.metadata.CorrelationId}-archival` } } : e.detail,
    })));
    shuffleInPlace(seededRandom(11), lines);

    const oracle = buildOracle(lines, LIMITS);
    expect(oracle.valid).toBe(126);
    expect(oracle.expected.size).toBe(42);
    const stored = new Set<string>();
    for (const line of lines) {
      const e = parseGenesysEvent(line, LIMITS);
      for (const t of (e.eventBody.transcripts ?? []) as Array<{ utteranceId: string }>) stored.add(`${e.aspect} ${t.utteranceId}`);
    }
    expect(utterances.size).toBe(48);
    expect(stored.size).toBe(48);
  });
});

describe('replays re-key idempotency', () => {
  it('an event sent by an EventBridge replay is keyed per replay: new to idempotency, the same within the replay', () => {
    const live = transcriptionEvent();
    const replayed = { ...live, id: randomUUID(), 'replay-name': 'rebuild-20261124-0800' };
    const [a, b, c] = [parse(live), parse(replayed), parse({ ...replayed, id: randomUUID() })];
    expect(a.idempotencyKey).toBe(a.digest);
    expect(b).toMatchObject({ digest: a.digest, orderKey: a.orderKey, aspect: a.aspect, replayName: 'rebuild-20261124-0800' });
    expect(b.idempotencyKey).toBe(`${a.digest}@replay/rebuild-20261124-0800`);
    expect(c.idempotencyKey).toBe(b.idempotencyKey);
  });
});

describe('the README example', () => {
  it('is one valid entry: the catalogue compiles with it and places a routingStatus event as shown', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /<!-- catalogue-example -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const catalogue = compileCatalogue([...readCatalogueFiles(), { file: 'terraform/topic-catalogue/user-routing-status.json', text: example! }]);
    const userId = randomUUID();
    const e = parse(
      {
        ...presenceEvent(),
        'detail-type': 'v2.users.{id}.routingStatus',
        detail: { topicName: `v2.users.${userId}.routingStatus`, version: '2', eventBody: { routingStatus: { status: 'IDLE', startTime: '2026-11-24T08:00:00.250Z' } }, timestamp: '2026-11-24T08:00:00.300Z' },
      },
      catalogue,
    );
    expect(e).toMatchObject({ family: 'user-routing-status', entity: `user/${userId}`, aspect: 'routing-status', mode: 'state', eventTimeMs: Date.parse('2026-11-24T08:00:00.250Z') });
  });
});
