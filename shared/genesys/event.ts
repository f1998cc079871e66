// Parsing a buffer message into a Genesys event the projection can apply.
// Every way a message can be unusable maps to a PermanentEventError with a
// named reason; unknown fields and unknown topics pass through (payloads drift
// between Genesys releases, design §2).
import { TOPIC_CATALOGUE_FILES } from '../config/topic-catalogue-files';
import { PermanentEventError } from '../resilience/errors';
import { contentDigest } from './canonical-json';
import { compileCatalogue, fillTemplate, readPath, topicIds, type TemplateGap, type TopicCatalogue, type TopicEntry, type TopicMode } from './catalogue';
import { containsReplacementCharacter, firstDuplicateKey } from './json-guard';
import { orderKey } from './order-key';
import { parseIsoMs } from './times';

export interface GenesysEvent {
  /** EventBridge envelope id of this copy. */
  eventId: string;
  detailType: string;
  source: string;
  topicName: string;
  /** Catalogue family (its file name), or `other` for a topic no file names. */
  family: string;
  /** Catalogue entry within the family. */
  topic: string;
  mode: TopicMode;
  entity: string;
  aspect: string;
  eventTimeMs: number;
  detailTimestampMs: number;
  digest: string;
  orderKey: string;
  /**
   * What idempotency is keyed on: the content digest, or, for an event an
   * EventBridge replay sent (envelope `replay-name`), the digest within that
   * replay. A replay re-sends content the live path already recorded, and a
   * rebuild after a catalogue change must project it again; copies within
   * one replay still collapse.
   */
  idempotencyKey: string;
  replayName?: string;
  /** detail.topicName does not follow the detail-type's pattern; the detail-type decides the entry (it is what the rules routed by). */
  topicMismatch: boolean;
  correlationId?: string;
  eventBody: Record<string, unknown>;
}

let builtIn: TopicCatalogue | undefined;
/** The catalogue shipped with this build (bundled into the Lambda; read from terraform/topic-catalogue/ when unbundled), compiled once. */
export const builtInCatalogue = (): TopicCatalogue => (builtIn ??= compileCatalogue(TOPIC_CATALOGUE_FILES));

export interface ParseLimits {
  maxEventBytes: number;
  maxFutureSkewMs: number;
  /** Deepest nesting accepted; DynamoDB and recursive consumers downstream choke on more. */
  maxDepth?: number;
  now?: () => number;
}

// The envelope and detail fields the consumer reads, checked by hand rather
// than with a schema library: these few checks were all the consumer used
// zod for, and zod was 80% of the consumer bundle and a large share of its
// cold start (`make bench`). Unknown fields pass through (design §2).
interface StringRule {
  min?: number;
  max: number;
  optional?: boolean;
}

const ENVELOPE_FIELDS: Record<string, StringRule> = {
  id: { min: 1, max: 256 },
  'detail-type': { min: 1, max: 512 },
  source: { min: 1, max: 256 },
  time: { max: Number.MAX_SAFE_INTEGER, optional: true },
  'replay-name': { min: 1, max: 64, optional: true },
};

const DETAIL_FIELDS: Record<string, StringRule> = {
  topicName: { min: 1, max: 512 },
  timestamp: { max: Number.MAX_SAFE_INTEGER, optional: true },
};

interface Envelope {
  id: string;
  'detail-type': string;
  source: string;
  time?: string;
  'replay-name'?: string;
}

interface Detail {
  topicName: string;
  eventBody: Record<string, unknown>;
  metadata?: { CorrelationId?: string };
  timestamp?: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/** `field: what is wrong` for the first field that breaks its rule, or undefined. */
function stringProblem(value: Record<string, unknown>, rules: Record<string, StringRule>): string | undefined {
  for (const [field, rule] of Object.entries(rules)) {
    const v = value[field];
    if (v === undefined) {
      if (rule.optional) continue;
      return `${field}: required, missing`;
    }
    if (typeof v !== 'string') return `${field}: expected a string, got ${describe(v)}`;
    if (v.length < (rule.min ?? 0)) return `${field}: must be at least ${rule.min} characters`;
    if (v.length > rule.max) return `${field}: must be at most ${rule.max} characters`;
  }
  return undefined;
}

function envelopeProblem(raw: unknown): string | undefined {
  if (!isPlainObject(raw)) return `body: expected an object, got ${describe(raw)}`;
  return stringProblem(raw, ENVELOPE_FIELDS);
}

function detailProblem(detail: Record<string, unknown>): string | undefined {
  const strings = stringProblem(detail, DETAIL_FIELDS);
  if (strings) return strings;
  if (!isPlainObject(detail.eventBody)) return `eventBody: expected an object, got ${describe(detail.eventBody)}`;
  const { metadata } = detail;
  if (metadata === undefined) return undefined;
  if (!isPlainObject(metadata)) return `metadata: expected an object, got ${describe(metadata)}`;
  const correlation = stringProblem(metadata, { CorrelationId: { max: 256, optional: true } });
  return correlation ? `metadata.${correlation}` : undefined;
}

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


function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    const reason = error instanceof RangeError ? 'too-deep' : 'invalid-json';
    throw new PermanentEventError(reason, `body is not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
}

function gap(entry: TopicEntry, what: string, missing: TemplateGap): PermanentEventError {
  return new PermanentEventError('schema-violation', `${missing.label}: ${missing.problem} (the ${what} of catalogue entry ${entry.family}/${entry.name})`);
}

function fill(entry: TopicEntry, what: 'entity' | 'aspect', input: Parameters<typeof fillTemplate>[1]): string {
  const key = fillTemplate(entry[what], input);
  if (typeof key !== 'string') throw gap(entry, what, key);
  return key;
}

/** Event time from where the entry says it is; undefined for "none" (detail.timestamp, then the envelope time, apply). */
function bodyEventTime(entry: TopicEntry, detail: Record<string, unknown>, eventBody: Record<string, unknown>): number | undefined {
  const { format, root, path, label } = entry.eventTime;
  if (format === 'none' || !path) return undefined;
  const value = readPath(root === 'eventBody' ? eventBody : detail, path);
  if (format === 'epoch-ms') {
    if (typeof value !== 'number') throw new PermanentEventError('schema-violation', `${label}: expected an epoch-ms number, got ${value === undefined ? 'nothing' : typeof value}`);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new PermanentEventError('invalid-event-time', `${label} ${value} is not a non-negative epoch-ms integer`);
    }
    return value;
  }
  if (typeof value !== 'string') throw new PermanentEventError('schema-violation', `${label}: expected an ISO-8601 string, got ${value === undefined ? 'nothing' : typeof value}`);
  const ms = parseIsoMs(value);
  if (ms === undefined || ms < 0) {
    throw new PermanentEventError('invalid-event-time', `${label} ${JSON.stringify(value).slice(0, 64)} is not an ISO-8601 instant`);
  }
  return ms;
}

/** Parses one buffer message body; throws PermanentEventError naming why it can never be applied. */
export function parseGenesysEvent(body: string, limits: ParseLimits, catalogue: TopicCatalogue = builtInCatalogue()): GenesysEvent {
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
  const envelopeIssue = envelopeProblem(raw);
  if (envelopeIssue) throw new PermanentEventError('not-an-event', `not an EventBridge event: ${envelopeIssue}`);
  const envelope = { data: raw as unknown as Envelope };
  const rawDetail = (raw as Record<string, unknown>).detail;
  if (rawDetail === null || typeof rawDetail !== 'object' || Array.isArray(rawDetail)) {
    throw new PermanentEventError('missing-detail', `detail is ${rawDetail === undefined ? 'missing' : `a ${Array.isArray(rawDetail) ? 'array' : typeof rawDetail}`}, not an object`);
  }
  const detailIssue = detailProblem(rawDetail as Record<string, unknown>);
  if (detailIssue) throw new PermanentEventError('schema-violation', `detail.${detailIssue}`);
  const detail = { data: rawDetail as unknown as Detail };

  const detailType = envelope.data['detail-type'];
  const { topicName, eventBody, metadata, timestamp } = detail.data;
  const entry = catalogue.match(detailType);
  const ids = topicIds(detailType, topicName);
  const detailRecord = rawDetail as Record<string, unknown>;
  const keyInput = { detail: detailRecord, eventBody, detailType, topicName, ids, orderKey: '', ...(entry.prefixLength !== undefined ? { prefixLength: entry.prefixLength } : {}) };
  const entity = fill(entry, 'entity', keyInput);
  const bodyTimeMs = bodyEventTime(entry, detailRecord, eventBody);
  // Re-serialised JSON can be longer than the body (a number written `9e20`
  // comes back as 21 digits: at most ~6x), so only smaller bodies skip the check.
  if (bytes > MAX_STORED_BODY_BYTES / 6) {
    const bodyBytes = Buffer.byteLength(JSON.stringify(eventBody), 'utf8');
    if (bodyBytes > MAX_STORED_BODY_BYTES) {
      throw new PermanentEventError('oversize', `eventBody is ${bodyBytes} bytes as JSON; one DynamoDB item holds 400 KB`);
    }
  }

  const detailTimestampMs = parseIsoMs(timestamp);
  // Topics without a time in the body fall back to detail.timestamp, then to
  // the envelope time (second precision) — design §2.
  const eventTimeMs = bodyTimeMs ?? detailTimestampMs ?? parseIsoMs(envelope.data.time);
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

  const digest = contentDigest(contentOf(detailRecord));
  const key = orderKey({ eventTimeMs, detailTimestampMs: detailTimestampMs ?? 0, digest });
  const aspect = fill(entry, 'aspect', { ...keyInput, orderKey: key });
  for (const [what, value, max] of [['entity', entity, MAX_ENTITY_BYTES], ['aspect', aspect, MAX_ASPECT_BYTES]] as const) {
    const keyBytes = Buffer.byteLength(value, 'utf8');
    if (keyBytes > max) throw new PermanentEventError('schema-violation', `${what} key is ${keyBytes} bytes; DynamoDB allows ${max}`);
  }
  const replayName = envelope.data['replay-name'];
  return {
    eventId: envelope.data.id,
    detailType,
    source: envelope.data.source,
    topicName,
    family: entry.family,
    topic: entry.name,
    mode: entry.mode,
    entity,
    aspect,
    eventTimeMs,
    detailTimestampMs: detailTimestampMs ?? 0,
    digest,
    orderKey: key,
    idempotencyKey: replayName ? `${digest}@replay/${replayName}` : digest,
    ...(replayName ? { replayName } : {}),
    topicMismatch: ids === undefined,
    ...(metadata?.CorrelationId ? { correlationId: metadata.CorrelationId } : {}),
    eventBody,
  };
}

/**
 * The part of detail that is the event's content. metadata is delivery
 * information: its CorrelationId is shared by every event of a conversation
 * and Genesys re-sends events with it ending in `-archival`; were it part of
 * the digest, such a re-send would not collapse with the original (a stream
 * aspect would keep the utterance twice).
 */
function contentOf(detail: Record<string, unknown>): Record<string, unknown> {
  if (!('metadata' in detail)) return detail;
  const { metadata: _delivery, ...content } = detail;
  return content;
}
