// Genesys-shaped EventBridge events for load, demo and tests: the catalogue's
// families with each family's own time format (design §2) — conversation
// detail events, transcription (a stream: one or two utterances per event, or
// a status-only SESSION_ENDED), participant attributes, flow outcomes,
// presence, audits, queue membership — unknown topics (streams too),
// duplicates (same content, new envelope id), poison of several kinds, and a
// full shuffle. Deterministic for a given seed.
import { attributesBody, flowOutcomeBody, transcriptionBody, type Utterance } from './genesys-shapes';
import { pick, seededRandom, shuffleInPlace, uuid, type Random } from './random';

export type PoisonKind =
  | 'invalid-json'
  | 'missing-detail'
  | 'wrong-types'
  | 'future-time'
  | 'not-an-envelope'
  | 'detail-not-object'
  | 'negative-time'
  | 'unparseable-time'
  | 'too-deep'
  | 'duplicate-keys'
  | 'invalid-utf8'
  | 'oversize';
/** The demo's mix (issue 2). */
export const POISON_KINDS: readonly PoisonKind[] = ['invalid-json', 'missing-detail', 'wrong-types', 'future-time'];
/** Every kind of bad input the consumer must survive (the chaos suite). */
export const ALL_POISON_KINDS: readonly PoisonKind[] = [
  ...POISON_KINDS,
  'not-an-envelope',
  'detail-not-object',
  'negative-time',
  'unparseable-time',
  'too-deep',
  'duplicate-keys',
  'invalid-utf8',
  'oversize',
];

/**
 * An oversize poison event is a well-formed Genesys event just under the SQS
 * limit of 1 MiB (body and attributes): bigger than EventBridge carries, so a
 * producer wrote it to the buffer directly, and bigger than max_event_bytes.
 */
export const OVERSIZE_POISON_BYTES = 1_048_576 - 512;

export interface GeneratorOptions {
  count: number;
  entities: number;
  duplicateRatio: number;
  poisonRatio: number;
  unknownTopicRatio: number;
  /** Share of events on one hot conversation (0 = none). */
  hotEntityRatio: number;
  shuffle: boolean;
  seed: number;
  /** Event times spread over the hour before this instant (ms). */
  now: number;
  orgId: string;
  eventSourceSuffix: string;
  poisonKinds: readonly PoisonKind[];
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  count: 10_000,
  entities: 300,
  duplicateRatio: 0.1,
  poisonRatio: 0.005,
  unknownTopicRatio: 0.02,
  hotEntityRatio: 0,
  shuffle: true,
  seed: 20261124,
  now: Date.now(),
  orgId: 'd4c8e0f2-0000-4000-8000-00000000c0de',
  eventSourceSuffix: 'events',
  poisonKinds: POISON_KINDS,
};

export interface GeneratedBurst {
  /** One EventBridge event per line, as Genesys sends it (poison lines may not be JSON at all). */
  lines: string[];
  counts: {
    total: number;
    valid: number;
    duplicates: number;
    unknownTopic: number;
    /** Transcription events (stream topic) among the valid ones, and the utterances they carry. */
    transcription: number;
    utterances: number;
    poison: Partial<Record<PoisonKind, number>>;
  };
}

interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail?: unknown;
}

const CONVERSATION_EVENTS = [
  'customer.start', 'customer.end', 'acd.start', 'acd.end', 'user.start', 'user.end', 'acw', 'flow.start', 'flow.end',
] as const;
const PRESENCE = ['AVAILABLE', 'BUSY', 'AWAY', 'BREAK', 'MEAL', 'MEETING', 'OFFLINE', 'ON_QUEUE'] as const;
const AUDIT_ENTITY_TYPES = ['USER', 'QUEUE', 'FLOW', 'WRAPUPCODE'] as const;
const AUDIT_ACTIONS = ['CREATE', 'UPDATE', 'DELETE'] as const;
const UNKNOWN_TOPICS = [
  { detailType: 'v2.flows.outcomes.{id}', topic: (id: string) => `v2.flows.outcomes.${id}` },
  { detailType: 'v2.analytics.queues.{id}.observations', topic: (id: string) => `v2.analytics.queues.${id}.observations` },
  { detailType: 'v2.telephony.providers.edges.{id}', topic: (id: string) => `v2.telephony.providers.edges.${id}` },
] as const;

const PHRASES = [
  'hola buenos días', 'quiero saber de mi pedido', 'one moment please', 'can you confirm your account number',
  'gracias por llamar', 'I will transfer you now',
] as const;

const iso = (ms: number) => new Date(ms).toISOString();
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

interface Pools {
  conversations: Array<{ id: string; participants: string[] }>;
  users: string[];
  queues: string[];
  audits: Array<{ type: string; id: string }>;
  unknownIds: string[];
}

function makePools(random: Random, entities: number): Pools {
  const n = Math.max(4, entities);
  const conversations = Array.from({ length: Math.ceil(n * 0.6) }, () => ({
    id: uuid(random),
    participants: Array.from({ length: 1 + Math.floor(random() * 3) }, () => uuid(random)),
  }));
  return {
    conversations,
    users: Array.from({ length: Math.ceil(n * 0.2) }, () => uuid(random)),
    queues: Array.from({ length: 5 }, () => uuid(random)),
    audits: Array.from({ length: Math.ceil(n * 0.15) }, () => ({ type: pick(random, AUDIT_ENTITY_TYPES), id: uuid(random) })),
    unknownIds: Array.from({ length: Math.max(2, Math.ceil(n * 0.05)) }, () => uuid(random)),
  };
}

export function generateBurst(partial: Partial<GeneratorOptions> = {}): GeneratedBurst {
  const o: GeneratorOptions = { ...DEFAULT_GENERATOR_OPTIONS, ...partial };
  const random = seededRandom(o.seed);
  const pools = makePools(random, o.entities);
  const source = `aws.partner/genesys.com/cloud/${o.orgId}/${o.eventSourceSuffix}`;
  const windowStart = o.now - 3600_000;
  // Times are drawn at whole 250 ms steps so that distinct events of one
  // entity sometimes share an event time and the tie-breakers get exercised.
  const eventTime = () => windowStart + Math.floor(random() * 14_000) * 250;
  const hot = pools.conversations[0]!;

  const envelope = (detailType: string, detail: Record<string, unknown>, timeMs: number): EventBridgeEvent => ({
    version: '0',
    id: uuid(random),
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: isoSeconds(timeMs + 1000),
    region: 'us-east-1',
    resources: [],
    detail,
  });
  const detailOf = (topicName: string, eventBody: Record<string, unknown>, timestampMs: number) => ({
    topicName,
    version: '2',
    eventBody,
    metadata: { CorrelationId: uuid(random) },
    timestamp: iso(timestampMs),
  });

  function conversationEvent(conversation = pick(random, pools.conversations)): EventBridgeEvent {
    const suffix = pick(random, CONVERSATION_EVENTS);
    const t = eventTime();
    const body: Record<string, unknown> = {
      eventTime: t,
      conversationId: conversation.id,
      participantId: pick(random, conversation.participants),
      sessionId: uuid(random),
      mediaType: 'MESSAGE',
      direction: 'INBOUND',
      ...(suffix.startsWith('acd') || suffix === 'acw' ? { queueId: pick(random, pools.queues) } : {}),
      ...(suffix.startsWith('user') || suffix === 'acw' ? { userId: pick(random, pools.users) } : {}),
      ...(suffix === 'acw' ? { wrapupCode: uuid(random), wrapupDurationMs: Math.floor(random() * 60_000) } : {}),
    };
    return envelope(
      `v2.detail.events.conversation.{id}.${suffix}`,
      detailOf(`v2.detail.events.conversation.${conversation.id}.${suffix}`, body, t + Math.floor(random() * 900)),
      t,
    );
  }

  function transcriptionEvent(): EventBridgeEvent {
    const conversation = pick(random, pools.conversations);
    const t = eventTime();
    const r = random();
    // Most events carry one utterance, some two, a few only the session status.
    const utterances: Utterance[] = r < 0.05 ? [] : Array.from({ length: r > 0.9 ? 2 : 1 }, () => ({
      utteranceId: uuid(random),
      transcript: pick(random, PHRASES),
      channel: random() < 0.5 ? 'EXTERNAL' : 'INTERNAL',
      dialect: pick(random, ['es-US', 'es-us', 'en-US']),
      offsetMs: Math.floor(random() * 600_000),
    }));
    counts.utterances += utterances.length;
    const body = transcriptionBody({
      conversationId: conversation.id,
      communicationId: conversation.participants[0]!,
      organizationId: o.orgId,
      eventTimeMs: t,
      utterances,
      ...(utterances.length === 0 ? { status: 'SESSION_ENDED' as const } : {}),
    });
    return envelope(
      'v2.conversations.{id}.transcription',
      detailOf(`v2.conversations.${conversation.id}.transcription`, body, t + Math.floor(random() * 900)),
      t,
    );
  }

  function attributesOrOutcomeEvent(): EventBridgeEvent {
    const conversation = pick(random, pools.conversations);
    const participantId = pick(random, conversation.participants);
    const t = eventTime();
    if (random() < 0.5) {
      const body = attributesBody({ conversationId: conversation.id, participantId, eventTimeMs: t, attributes: { language: pick(random, ['es-US', 'es-us']), tier: pick(random, ['gold', 'silver']) } });
      return envelope('v2.detail.events.conversation.{id}.attributes', detailOf(`v2.detail.events.conversation.${conversation.id}.attributes`, body, t + 5), t);
    }
    const body = flowOutcomeBody({
      conversationId: conversation.id,
      participantId,
      eventTimeMs: t,
      flowId: pools.queues[0]!,
      flowOutcomeId: pick(random, pools.queues),
      flowOutcomeValue: random() < 0.8 ? 'SUCCESS' : 'FAILURE',
      flowType: pick(random, ['INBOUNDCALL', 'inqueuecall']),
      milestones: ['greeting', 'identified'],
    });
    return envelope('v2.detail.events.conversation.{id}.flow.outcome', detailOf(`v2.detail.events.conversation.${conversation.id}.flow.outcome`, body, t + 5), t);
  }

  function presenceEvent(): EventBridgeEvent {
    const user = pick(random, pools.users);
    const t = eventTime();
    const status = pick(random, PRESENCE);
    const body = {
      source: 'PURECLOUD',
      presenceDefinition: { id: uuid(random), systemPresence: status },
      message: '',
      modifiedDate: iso(t),
    };
    return envelope('v2.users.{id}.presence', detailOf(`v2.users.${user}.presence`, body, t + Math.floor(random() * 900)), t);
  }

  function auditEvent(): EventBridgeEvent {
    const entity = pick(random, pools.audits);
    const t = eventTime();
    const body = {
      id: uuid(random),
      userId: pick(random, pools.users),
      eventTime: iso(t),
      entityType: entity.type,
      entity: { id: entity.id, name: `${entity.type.toLowerCase()}-${entity.id.slice(0, 8)}` },
      action: pick(random, AUDIT_ACTIONS),
      serviceName: 'Directory',
      level: 'USER',
      status: 'SUCCESS',
    };
    return envelope(
      'v2.audits.entitytype.{id}.entityid.{id}',
      detailOf(`v2.audits.entitytype.${entity.type}.entityid.${entity.id}`, body, t),
      t,
    );
  }

  function routingEvent(): EventBridgeEvent {
    const queue = pick(random, pools.queues);
    const conversation = pick(random, pools.conversations);
    const t = eventTime();
    const body = {
      id: conversation.id,
      participants: conversation.participants.map((id) => ({ id, purpose: 'customer', state: 'connected' })),
    };
    return envelope('v2.routing.queues.{id}.conversations', detailOf(`v2.routing.queues.${queue}.conversations`, body, t), t);
  }

  function unknownEvent(): EventBridgeEvent {
    const kind = pick(random, UNKNOWN_TOPICS);
    const id = pick(random, pools.unknownIds);
    const t = eventTime();
    return envelope(kind.detailType, detailOf(kind.topic(id), { id, value: Math.floor(random() * 1000), newField: { nested: true } }, t), t);
  }

  function poison(kind: PoisonKind): string {
    const event = conversationEvent();
    const detail = event.detail as { eventBody: Record<string, unknown> };
    switch (kind) {
      case 'invalid-json':
        return JSON.stringify(event).slice(0, 80);
      case 'missing-detail':
        delete event.detail;
        return JSON.stringify(event);
      case 'wrong-types':
        detail.eventBody.eventTime = 'yesterday';
        return JSON.stringify(event);
      case 'future-time':
        detail.eventBody.eventTime = o.now + 30 * 24 * 3600_000;
        return JSON.stringify(event);
      case 'not-an-envelope':
        return JSON.stringify({ hello: 'this is not an EventBridge event', n: Math.floor(random() * 1000) });
      case 'detail-not-object':
        return JSON.stringify({ ...event, detail: 'a string where an object belongs' });
      case 'negative-time':
        detail.eventBody.eventTime = -1 - Math.floor(random() * 1000);
        return JSON.stringify(event);
      case 'unparseable-time': {
        const audit = auditEvent();
        (audit.detail as { eventBody: Record<string, unknown> }).eventBody.eventTime = 'the day before yesterday';
        return JSON.stringify(audit);
      }
      case 'too-deep': {
        let deep: unknown = 'bottom';
        for (let i = 0; i < 40; i++) deep = { level: deep };
        detail.eventBody.deep = deep;
        return JSON.stringify(event);
      }
      case 'duplicate-keys': {
        const id = detail.eventBody.conversationId as string;
        return JSON.stringify(event).replace(`"conversationId":"${id}"`, `"conversationId":"${id}","conversationId":"${uuid(random)}"`);
      }
      case 'invalid-utf8':
        detail.eventBody.mediaType = 'MES\uFFFDSAGE';
        return JSON.stringify(event);
      case 'oversize': {
        detail.eventBody.transcript = '';
        const padding = OVERSIZE_POISON_BYTES - JSON.stringify(event).length;
        detail.eventBody.transcript = 'x'.repeat(Math.max(0, padding));
        return JSON.stringify(event);
      }
    }
  }

  const base: EventBridgeEvent[] = [];
  const counts: GeneratedBurst['counts'] = { total: 0, valid: 0, duplicates: 0, unknownTopic: 0, transcription: 0, utterances: 0, poison: {} };
  const poisonCount = Math.round(o.count * o.poisonRatio);
  const duplicateCount = Math.round(o.count * o.duplicateRatio);
  const baseCount = Math.max(0, o.count - poisonCount - duplicateCount);
  for (let i = 0; i < baseCount; i++) {
    const r = random();
    if (random() < o.hotEntityRatio) base.push(conversationEvent(hot));
    else if (r < o.unknownTopicRatio) {
      base.push(unknownEvent());
      counts.unknownTopic += 1;
    } else if (r < 0.47) base.push(conversationEvent());
    else if (r < 0.55) {
      base.push(transcriptionEvent());
      counts.transcription += 1;
    } else if (r < 0.59) base.push(attributesOrOutcomeEvent());
    else if (r < 0.65) base.push(routingEvent());
    else if (r < 0.85) base.push(presenceEvent());
    else base.push(auditEvent());
  }
  const lines = base.map((e) => JSON.stringify(e));
  for (let i = 0; i < duplicateCount && base.length > 0; i++) {
    // Same content under a new envelope id, as Genesys does when it retries.
    const original = pick(random, base);
    lines.push(JSON.stringify({ ...original, id: uuid(random) }));
    counts.duplicates += 1;
  }
  for (let i = 0; i < poisonCount; i++) {
    const kind = o.poisonKinds[i % o.poisonKinds.length]!;
    lines.push(poison(kind));
    counts.poison[kind] = (counts.poison[kind] ?? 0) + 1;
  }
  if (o.shuffle) shuffleInPlace(random, lines);
  counts.total = lines.length;
  counts.valid = base.length + counts.duplicates;
  return { lines, counts };
}
