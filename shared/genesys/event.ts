// Parsing a buffer message into a Genesys event the projection can apply.
// Every way a message can be unusable maps to a PermanentEventError with a
// named reason; unknown fields and unknown topics pass through (payloads drift
// between Genesys releases, design §2).
import { z } from 'zod';
import { PermanentEventError } from '../resilience/errors';
import { contentDigest } from './canonical-json';
import { containsReplacementCharacter, firstDuplicateKey } from './json-guard';
import { orderKey } from './order-key';
import { parseIsoMs } from './times';
import {
  aspectKeys,
  conversationEventSuffix,
  entityKeys,
  queueIdFromTopic,
  topicFamily,
  userIdFromTopic,
  type TopicFamily,
} from './topics';

export interface GenesysEvent {
  /** EventBridge envelope id of this copy. */
  eventId: string;
  detailType: string;
  source: string;
  topicName: string;
  family: TopicFamily;
  entity: string;
  aspect: string;
  eventTimeMs: number;
  detailTimestampMs: number;
  digest: string;
  orderKey: string;
  correlationId?: string;
  eventBody: Record<string, unknown>;
}

export interface ParseLimits {
  maxEventBytes: number;
  maxFutureSkewMs: number;
  /** Deepest nesting accepted; DynamoDB and recursive consumers downstream choke on more. */
  maxDepth?: number;
  now?: () => number;
}

const id = z.string().min(1).max(256);

const EnvelopeSchema = z.looseObject({
  id,
  'detail-type': z.string().min(1).max(512),
  source: z.string().min(1).max(256),
  time: z.string().optional(),
});

const DetailSchema = z.looseObject({
  topicName: z.string().min(1).max(512),
  eventBody: z.record(z.string(), z.unknown()),
  metadata: z.looseObject({ CorrelationId: z.string().max(256).optional() }).optional(),
  timestamp: z.string().optional(),
});

const ConversationBody = z.looseObject({
  conversationId: id,
  participantId: id.optional(),
  eventTime: z.number(),
});
const AuditBody = z.looseObject({
  entityType: z.string().min(1).max(128),
  entity: z.looseObject({ id }),
  eventTime: z.string(),
});
const PresenceBody = z.looseObject({ modifiedDate: z.string() });
const RoutingBody = z.looseObject({ id });

const DEFAULT_MAX_DEPTH = 32;

// DynamoDB limits the projection item must fit, or every write of the event
// fails the same way (a ValidationException the consumer would retry until
// maxReceiveCount): a partition key value of 2048 bytes, a sort key value of
// 1024 bytes, an item of 400 KB. The body is stored as JSON text; the rest of
// the item (keys, order key, ids, topic) stays under 10 KB.
const MAX_ENTITY_BYTES = 2048;
const MAX_ASPECT_BYTES = 1024;
const MAX_STORED_BODY_BYTES = 400 * 1024 - 10 * 1024;

function nestingDepth(root: unknown, limit: number): number {
  // Iterative, so a hostile payload cannot overflow the stack.
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function schemaViolation(what: string, error: z.ZodError): PermanentEventError {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return new PermanentEventError('schema-violation', `${what}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid'}`);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    const reason = error instanceof RangeError ? 'too-deep' : 'invalid-json';
    throw new PermanentEventError(reason, `body is not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
}

interface Placement {
  entity: string;
  aspect: string;
  /** Event time from the body, when the family carries one. */
  eventTimeMs?: number;
}

function place(family: TopicFamily, detailType: string, topicName: string, body: Record<string, unknown>): Placement {
  switch (family) {
    case 'conversation-detail': {
      const parsed = ConversationBody.safeParse(body);
      if (!parsed.success) throw schemaViolation('detail.eventBody', parsed.error);
      const { eventTime, conversationId, participantId } = parsed.data;
      if (!Number.isSafeInteger(eventTime) || eventTime < 0) {
        throw new PermanentEventError('invalid-event-time', `eventBody.eventTime ${eventTime} is not a non-negative epoch-ms integer`);
      }
      return {
        entity: entityKeys.conversation(conversationId),
        aspect: aspectKeys.conversationEvent(participantId, conversationEventSuffix(detailType)),
        eventTimeMs: eventTime,
      };
    }
    case 'audits': {
      const parsed = AuditBody.safeParse(body);
      if (!parsed.success) throw schemaViolation('detail.eventBody', parsed.error);
      const ms = parseIsoMs(parsed.data.eventTime);
      if (ms === undefined || ms < 0) {
        throw new PermanentEventError('invalid-event-time', `eventBody.eventTime ${JSON.stringify(parsed.data.eventTime).slice(0, 64)} is not an ISO-8601 instant`);
      }
      return { entity: entityKeys.audit(parsed.data.entityType, parsed.data.entity.id), aspect: aspectKeys.audit, eventTimeMs: ms };
    }
    case 'user-presence': {
      const parsed = PresenceBody.safeParse(body);
      if (!parsed.success) throw schemaViolation('detail.eventBody', parsed.error);
      const userId = userIdFromTopic(topicName);
      if (!userId) throw new PermanentEventError('schema-violation', `topicName ${topicName.slice(0, 128)} is not v2.users.<id>.presence`);
      const ms = parseIsoMs(parsed.data.modifiedDate);
      if (ms === undefined || ms < 0) {
        throw new PermanentEventError('invalid-event-time', `eventBody.modifiedDate ${JSON.stringify(parsed.data.modifiedDate).slice(0, 64)} is not an ISO-8601 instant`);
      }
      return { entity: entityKeys.user(userId), aspect: aspectKeys.presence, eventTimeMs: ms };
    }
    case 'routing-queue-conversations': {
      const parsed = RoutingBody.safeParse(body);
      if (!parsed.success) throw schemaViolation('detail.eventBody', parsed.error);
      const queueId = queueIdFromTopic(topicName);
      if (!queueId) throw new PermanentEventError('schema-violation', `topicName ${topicName.slice(0, 128)} is not v2.routing.queues.<id>.conversations`);
      return { entity: entityKeys.conversation(parsed.data.id), aspect: aspectKeys.queue(queueId) };
    }
    case 'other':
      return { entity: entityKeys.topic(topicName), aspect: aspectKeys.latest };
  }
}

/** Parses one buffer message body; throws PermanentEventError naming why it can never be applied. */
export function parseGenesysEvent(body: string, limits: ParseLimits): GenesysEvent {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > limits.maxEventBytes) {
    throw new PermanentEventError('oversize', `body is ${bytes} bytes; the limit is ${limits.maxEventBytes}`);
  }
  if (!body.isWellFormed() || containsReplacementCharacter(body)) {
    // SQS hands the body over as text: invalid UTF-8 from the producer arrives
    // as U+FFFD (or unpaired surrogates) and the original bytes are gone.
    throw new PermanentEventError('invalid-utf8', 'body contains U+FFFD or unpaired surrogates: the producer sent invalid UTF-8');
  }
  const raw = parseJson(body);
  const duplicate = firstDuplicateKey(body);
  if (duplicate !== undefined) {
    throw new PermanentEventError('duplicate-keys', `key ${JSON.stringify(duplicate.slice(0, 64))} appears twice in one object; readers could disagree on its value`);
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (nestingDepth(raw, maxDepth) > maxDepth) {
    throw new PermanentEventError('too-deep', `payload nests deeper than ${maxDepth} levels`);
  }
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    throw new PermanentEventError('not-an-event', `not an EventBridge event: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const rawDetail = (raw as Record<string, unknown>).detail;
  if (rawDetail === null || typeof rawDetail !== 'object' || Array.isArray(rawDetail)) {
    throw new PermanentEventError('missing-detail', `detail is ${rawDetail === undefined ? 'missing' : `a ${Array.isArray(rawDetail) ? 'array' : typeof rawDetail}`}, not an object`);
  }
  const detail = DetailSchema.safeParse(rawDetail);
  if (!detail.success) throw schemaViolation('detail', detail.error);

  const detailType = envelope.data['detail-type'];
  const { topicName, eventBody, metadata, timestamp } = detail.data;
  const family = topicFamily(detailType);
  const placement = place(family, detailType, topicName, eventBody);
  for (const [what, key, max] of [['entity', placement.entity, MAX_ENTITY_BYTES], ['aspect', placement.aspect, MAX_ASPECT_BYTES]] as const) {
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes > max) throw new PermanentEventError('schema-violation', `${what} key is ${keyBytes} bytes; DynamoDB allows ${max}`);
  }
  // Re-serialised JSON can be longer than the body (a number written `9e20`
  // comes back as 21 digits: at most ~6x), so only smaller bodies skip the check.
  if (bytes > MAX_STORED_BODY_BYTES / 6) {
    const bodyBytes = Buffer.byteLength(JSON.stringify(eventBody), 'utf8');
    if (bodyBytes > MAX_STORED_BODY_BYTES) {
      throw new PermanentEventError('oversize', `eventBody is ${bodyBytes} bytes as JSON; one DynamoDB item holds 400 KB`);
    }
  }

  const detailTimestampMs = parseIsoMs(timestamp);
  // Families without a time in the body fall back to detail.timestamp, then to
  // the envelope time (second precision) — design §2.
  const eventTimeMs = placement.eventTimeMs ?? detailTimestampMs ?? parseIsoMs(envelope.data.time);
  if (eventTimeMs === undefined || eventTimeMs < 0) {
    throw new PermanentEventError('invalid-event-time', 'no usable event time: neither detail.timestamp nor the envelope time is an ISO-8601 instant');
  }
  const now = (limits.now ?? Date.now)();
  if (eventTimeMs > now + limits.maxFutureSkewMs) {
    throw new PermanentEventError(
      'event-time-in-future',
      `event time ${new Date(eventTimeMs).toISOString()} is more than ${limits.maxFutureSkewMs / 1000}s ahead of now`,
    );
  }

  const digest = contentDigest(rawDetail);
  const parts = { eventTimeMs, detailTimestampMs: detailTimestampMs ?? 0, digest };
  return {
    eventId: envelope.data.id,
    detailType,
    source: envelope.data.source,
    topicName,
    family,
    entity: placement.entity,
    aspect: placement.aspect,
    eventTimeMs,
    detailTimestampMs: parts.detailTimestampMs,
    digest,
    orderKey: orderKey(parts),
    ...(metadata?.CorrelationId ? { correlationId: metadata.CorrelationId } : {}),
    eventBody,
  };
}
