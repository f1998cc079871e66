// The topic catalogue (design §3, "State topics and stream topics"): which
// Genesys topic goes to which entity and aspect, where its event time is, and
// whether it is state (last write wins per aspect) or a stream (every event
// its own aspect, so nothing is overwritten and copies still collapse). It is
// data, one JSON file per family in terraform/topic-catalogue/, bundled into
// the consumer at build time; this module validates it and compiles it once
// (at build and at cold start) into matchers and key templates, so the hot
// path does a Map lookup, a few prefix checks and dotted-path reads.
//
// Entry format (see the README, "Topic catalogue"):
//   { "name", "detailType", "entity", "aspect", "eventTime": { "path", "format" }, "mode" }
// - detailType: the EventBridge `detail-type`, with `{id}` placeholders as
//   Genesys writes them; a trailing `*` matches any rest (a family prefix).
//   An exact detailType wins over a `*` pattern; two entries matching the
//   same detail-type at the same specificity are an error.
// - entity / aspect: text with placeholders {eventBody.a.b} / {detail.a}
//   (dotted paths to a non-empty string), {topic.N} (the N-th {id} of the
//   concrete detail.topicName), {suffix} (what the `*` matched), and, in a
//   stream aspect only, {orderKey}. `{path|text}` uses text when the path is
//   absent.
// - eventTime.format: "epoch-ms" (a number), "iso" (ISO-8601 text) or "none"
//   (no time in the body: detail.timestamp, then the envelope time).

export type TopicMode = 'state' | 'stream';
export type EventTimeFormat = 'epoch-ms' | 'iso' | 'none';

export interface CatalogueFile {
  /** Path shown in errors, e.g. terraform/topic-catalogue/audits.json. */
  file: string;
  /** The file's text, as read. */
  text: string;
}

type Part =
  | { kind: 'literal'; text: string }
  | { kind: 'path'; root: 'eventBody' | 'detail'; path: readonly string[]; label: string; fallback?: string }
  | { kind: 'topicId'; index: number }
  | { kind: 'suffix' }
  | { kind: 'orderKey' };

export interface Template {
  source: string;
  parts: readonly Part[];
}

export interface TopicEntry {
  family: string;
  name: string;
  detailType: string;
  mode: TopicMode;
  entity: Template;
  aspect: Template;
  eventTime: { format: EventTimeFormat; root?: 'eventBody' | 'detail'; path?: readonly string[]; label?: string };
  /** Length of the literal part of a `*` pattern (what {suffix} skips). */
  prefixLength?: number;
}

export interface TopicCatalogue {
  entries: readonly TopicEntry[];
  /** The entry for a detail-type: exact match first, then the `*` pattern it starts with, else the unknown-topic default. */
  match(detailType: string): TopicEntry;
  /** The built-in entry for topics no file names. */
  unknown: TopicEntry;
}

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
  constructor(readonly problems: readonly string[]) {
    super(`topic catalogue is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
  }
}

const ENTRY_KEYS = new Set(['name', 'detailType', 'entity', 'aspect', 'eventTime', 'mode', 'description']);
const FILE_KEYS = new Set(['topics', 'description', '$comment']);
const FAMILY_NAME = /^[a-z0-9-]{1,32}$/;
const ENTRY_NAME = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const PATH_SEGMENT = /^[A-Za-z0-9_-]+$/;
const FORMATS: readonly EventTimeFormat[] = ['epoch-ms', 'iso', 'none'];
const MODES: readonly TopicMode[] = ['state', 'stream'];

/**
 * Topics no catalogue file names: a stream under topic/<topicName>, so
 * nothing an unknown topic carries is ever overwritten silently (a state
 * default kept only the latest event of each topic). A user who wants the
 * latest only adds an entry with "mode": "state".
 */
const UNKNOWN_TOPIC = {
  name: 'unknown-topic',
  detailType: '*',
  entity: 'topic/{detail.topicName}',
  aspect: 'event/{orderKey}',
  eventTime: { format: 'none' },
  mode: 'stream',
} as const;

function compileTemplate(source: string, idCount: number, hasSuffix: boolean, problem: (message: string) => void): Template {
  const parts: Part[] = [];
  const pattern = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = pattern.exec(source); m; m = pattern.exec(source)) {
    if (m.index > last) parts.push({ kind: 'literal', text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    const [expression = '', fallback] = m[1]!.split('|', 2);
    if (fallback !== undefined && (fallback === '' || m[1]!.split('|').length > 2)) {
      problem(`placeholder {${m[1]}} has an empty or second fallback. Fix: write {path|text} with one non-empty text`);
      continue;
    }
    if (expression === 'orderKey' || expression === 'suffix') {
      if (fallback !== undefined) problem(`{${expression}} takes no fallback. Fix: write {${expression}}`);
      if (expression === 'suffix' && !hasSuffix) problem('{suffix} needs a detailType ending in "*". Fix: end detailType with ".*" or drop {suffix}');
      parts.push({ kind: expression });
      continue;
    }
    const topic = /^topic\.(\d+)$/.exec(expression);
    if (topic) {
      const index = Number(topic[1]);
      if (index < 1 || index > idCount) {
        problem(`{${expression}} refers to {id} number ${index}, but detailType has ${idCount}. Fix: use {topic.1}…{topic.${Math.max(1, idCount)}}`);
      }
      parts.push({ kind: 'topicId', index: index - 1 });
      continue;
    }
    const segments = expression.split('.');
    const root = segments[0];
    if ((root !== 'eventBody' && root !== 'detail') || segments.length < 2 || !segments.slice(1).every((s) => PATH_SEGMENT.test(s))) {
      problem(
        `placeholder {${m[1]}} is not a dotted path under eventBody or detail, {topic.N}, {suffix} or {orderKey}. ` +
          'Fix: e.g. {eventBody.conversationId}, {detail.topicName}, {topic.1}',
      );
      continue;
    }
    parts.push({
      kind: 'path',
      root,
      path: segments.slice(1),
      label: `detail.${root === 'eventBody' ? 'eventBody.' : ''}${segments.slice(1).join('.')}`,
      ...(fallback !== undefined ? { fallback } : {}),
    });
  }
  if (last < source.length) parts.push({ kind: 'literal', text: source.slice(last) });
  if (parts.some((p) => p.kind === 'literal' && /[{}]/.test(p.text))) problem(`"${source}" has an unmatched { or }. Fix: close every placeholder`);
  return { source, parts };
}

function compileEntry(family: string, raw: unknown, where: string, problems: string[], builtInDefault = false): TopicEntry | undefined {
  const problem = (message: string) => problems.push(`${where}: ${message}`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problem('an entry must be an object with name, detailType, entity, aspect, eventTime and mode');
    return undefined;
  }
  const entry = raw as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(entry)) {
    if (!ENTRY_KEYS.has(key)) problem(`unknown key "${key}". Fix: remove it or use one of ${[...ENTRY_KEYS].join(', ')}`);
  }
  const text = (key: string, fix: string): string => {
    const value = entry[key];
    if (typeof value !== 'string' || value === '') {
      problem(`"${key}" is ${value === undefined ? 'missing' : 'not a non-empty string'}. Fix: ${fix}`);
      return '';
    }
    return value;
  };
  const name = text('name', 'name the entry, e.g. "transcription"');
  if (name && !ENTRY_NAME.test(name)) problem(`name "${name}" must be lower-case letters, digits, '.' or '-' (at most 64). Fix: rename it`);
  const detailType = text('detailType', 'give the EventBridge detail-type, e.g. "v2.conversations.{id}.transcription"');
  if (detailType === '*' && !builtInDefault) problem('detailType "*" would take every topic; the default for unknown topics is built in (stream under topic/<topicName>). Fix: name the topics');
  else if (detailType.indexOf('*') !== -1 && detailType.indexOf('*') !== detailType.length - 1) {
    problem(`detailType "${detailType}" has a "*" before its end. Fix: "*" may only end a pattern, e.g. "v2.detail.events.conversation.{id}.*"`);
  }
  const hasSuffix = detailType.endsWith('*');
  const idCount = (detailType.match(/\{id\}/g) ?? []).length;
  const mode = entry.mode;
  if (!MODES.includes(mode as TopicMode)) {
    problem(`mode ${JSON.stringify(mode)} is not "state" or "stream". Fix: "state" keeps the latest event per aspect, "stream" keeps every event`);
  }
  const entityText = text('entity', 'give the entity key template, e.g. "conversation/{eventBody.conversationId}"');
  const aspectText = text('aspect', 'give the aspect key template, e.g. "presence" or "transcript/{orderKey}"');
  const entity = compileTemplate(entityText, idCount, hasSuffix, (m) => problem(`entity: ${m}`));
  const aspect = compileTemplate(aspectText, idCount, hasSuffix, (m) => problem(`aspect: ${m}`));
  if (entity.parts.some((p) => p.kind === 'orderKey')) problem('entity: {orderKey} belongs in a stream aspect, not in the entity. Fix: move it to "aspect"');
  const streamed = aspect.parts.some((p) => p.kind === 'orderKey');
  if (mode === 'stream' && !streamed) {
    problem(`a stream aspect must contain {orderKey}, so each event gets its own aspect and copies collapse. Fix: e.g. "aspect": "${aspectText.replace(/\/$/, '') || 'event'}/{orderKey}"`);
  }
  if (mode === 'state' && streamed) problem('a state aspect must not contain {orderKey} (every event would get its own aspect). Fix: set "mode": "stream" or drop {orderKey}');

  const time = entry.eventTime;
  let eventTime: TopicEntry['eventTime'] = { format: 'none' };
  if (time === null || typeof time !== 'object' || Array.isArray(time)) {
    problem('"eventTime" is missing or not an object. Fix: { "path": "eventBody.eventTime", "format": "epoch-ms" | "iso" } or { "format": "none" } (detail.timestamp)');
  } else {
    const { path, format, ...rest } = time as Record<string, unknown>;
    for (const key of Object.keys(rest)) problem(`eventTime: unknown key "${key}". Fix: only "path" and "format"`);
    if (!FORMATS.includes(format as EventTimeFormat)) {
      problem(`eventTime.format ${JSON.stringify(format)} is not one of ${FORMATS.join(', ')}. Fix: "epoch-ms" for a number of milliseconds, "iso" for ISO-8601 text, "none" to use detail.timestamp`);
    } else if (format === 'none') {
      if (path !== undefined) problem('eventTime.format "none" takes no path (the time is detail.timestamp). Fix: drop "path" or set a format');
    } else {
      const segments = typeof path === 'string' ? path.split('.') : [];
      const root = segments[0];
      if ((root !== 'eventBody' && root !== 'detail') || segments.length < 2 || !segments.slice(1).every((s) => PATH_SEGMENT.test(s))) {
        problem(`eventTime.path ${JSON.stringify(path)} is not a dotted path under eventBody or detail. Fix: e.g. "eventBody.eventTime"`);
      } else {
        eventTime = {
          format: format as EventTimeFormat,
          root,
          path: segments.slice(1),
          label: `detail.${root === 'eventBody' ? 'eventBody.' : ''}${segments.slice(1).join('.')}`,
        };
      }
    }
  }
  if (problems.length > before) return undefined;
  return {
    family,
    name,
    detailType,
    mode: mode as TopicMode,
    entity,
    aspect,
    eventTime,
    ...(hasSuffix ? { prefixLength: detailType.length - 1 } : {}),
  };
}

/** Validates and compiles catalogue files; throws CatalogueError naming each file, entry and fix. */
export function compileCatalogue(files: readonly CatalogueFile[]): TopicCatalogue {
  const problems: string[] = [];
  const entries: TopicEntry[] = [];
  const locations = new Map<TopicEntry, string>();
  for (const { file, text } of files) {
    const family = (file.split('/').pop() ?? file).replace(/\.json$/, '');
    if (!FAMILY_NAME.test(family)) {
      problems.push(`${file}: the file name is the family name: use 1-32 lower-case letters, digits or '-'. Fix: rename the file`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      problems.push(`${file}: not JSON (${(error as Error).message}). Fix: correct the syntax`);
      continue;
    }
    const topics = (parsed as { topics?: unknown } | null)?.topics;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(topics) || topics.length === 0) {
      problems.push(`${file}: expected { "topics": [ …entries… ] } with at least one entry. Fix: wrap the entries in "topics"`);
      continue;
    }
    for (const key of Object.keys(parsed)) {
      if (!FILE_KEYS.has(key)) problems.push(`${file}: unknown top-level key "${key}". Fix: remove it; entries go in "topics"`);
    }
    const names = new Set<string>();
    topics.forEach((raw, i) => {
      const label = typeof (raw as { name?: unknown })?.name === 'string' ? `entry "${(raw as { name: string }).name}"` : `topics[${i}]`;
      const where = `${file}, ${label}`;
      const entry = compileEntry(family, raw, where, problems);
      if (!entry) return;
      if (names.has(entry.name)) problems.push(`${where}: the name is used twice in this file. Fix: give each entry its own name`);
      names.add(entry.name);
      entries.push(entry);
      locations.set(entry, where);
    });
  }

  const exact = new Map<string, TopicEntry>();
  const prefixes: TopicEntry[] = [];
  for (const entry of entries) {
    if (entry.prefixLength === undefined) {
      const other = exact.get(entry.detailType);
      if (other) {
        problems.push(`${locations.get(entry)} and ${locations.get(other)} both claim detail-type "${entry.detailType}". Fix: keep one of them`);
      } else exact.set(entry.detailType, entry);
      continue;
    }
    const prefix = entry.detailType.slice(0, entry.prefixLength);
    for (const other of prefixes) {
      const otherPrefix = other.detailType.slice(0, other.prefixLength);
      if (prefix.startsWith(otherPrefix) || otherPrefix.startsWith(prefix)) {
        problems.push(
          `${locations.get(entry)} ("${entry.detailType}") and ${locations.get(other)} ("${other.detailType}") overlap: ` +
            'a detail-type could match both. Fix: name the narrower topics exactly (an exact detailType wins over a "*" pattern) or merge the entries',
        );
      }
    }
    prefixes.push(entry);
  }
  if (problems.length > 0) throw new CatalogueError(problems);

  const unknown = compileEntry('other', UNKNOWN_TOPIC, 'built-in unknown-topic entry', problems, true);
  if (!unknown) throw new CatalogueError(problems);
  // Longest prefix first; they cannot overlap, so this only saves comparisons on the common families.
  prefixes.sort((a, b) => b.prefixLength! - a.prefixLength!);
  return {
    entries,
    unknown,
    match(detailType) {
      const hit = exact.get(detailType);
      if (hit) return hit;
      for (const entry of prefixes) {
        // A `*` must match at least one character: `v2.detail.events.conversation.{id}.` alone is no topic.
        if (detailType.length > entry.prefixLength! && detailType.startsWith(entry.detailType.slice(0, entry.prefixLength))) return entry;
      }
      return unknown;
    },
  };
}

/**
 * The concrete ids of a topic name, by the `{id}` segments of its detail-type
 * (`v2.users.{id}.presence` + `v2.users.u-7.presence` → ["u-7"]); undefined
 * when the two disagree. Segment by segment, no regular expression per event.
 */
export function topicIds(detailType: string, topicName: string): string[] | undefined {
  const pattern = detailType.split('.');
  const concrete = topicName.split('.');
  if (pattern.length !== concrete.length) return undefined;
  const ids: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '{id}') {
      if (!concrete[i]) return undefined;
      ids.push(concrete[i]!);
    } else if (pattern[i] !== concrete[i]) return undefined;
  }
  return ids;
}

export interface TemplateInput {
  detail: Record<string, unknown>;
  eventBody: Record<string, unknown>;
  detailType: string;
  topicName: string;
  /** undefined when topicName does not follow detailType (then {topic.N} cannot resolve). */
  ids: string[] | undefined;
  orderKey: string;
  prefixLength?: number;
}

/** Why a template could not be filled: the label of the value, and what was wrong with it. */
export interface TemplateGap {
  label: string;
  problem: string;
}

const MAX_KEY_PART_CHARS = 256;

export function readPath(root: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Fills a template; returns a TemplateGap instead of throwing so the caller names the error class. */
export function fillTemplate(template: Template, input: TemplateInput): string | TemplateGap {
  let out = '';
  for (const part of template.parts) {
    switch (part.kind) {
      case 'literal':
        out += part.text;
        break;
      case 'orderKey':
        out += input.orderKey;
        break;
      case 'suffix':
        out += input.detailType.slice(input.prefixLength ?? input.detailType.length);
        break;
      case 'topicId': {
        const id = input.ids?.[part.index];
        if (id === undefined) return { label: 'detail.topicName', problem: `${input.topicName.slice(0, 128)} does not follow ${input.detailType.slice(0, 128)}` };
        out += id;
        break;
      }
      case 'path': {
        const value = readPath(part.root === 'eventBody' ? input.eventBody : input.detail, part.path);
        if ((value === undefined || value === null) && part.fallback !== undefined) {
          out += part.fallback;
          break;
        }
        if (typeof value !== 'string' || value === '' || value.length > MAX_KEY_PART_CHARS) {
          const got = value === undefined ? 'missing' : typeof value === 'string' ? `a string of ${value.length} characters` : `a ${Array.isArray(value) ? 'array' : typeof value}`;
          return { label: part.label, problem: `expected a string of 1-${MAX_KEY_PART_CHARS} characters, got ${got}` };
        }
        out += value;
        break;
      }
    }
  }
  return out;
}
