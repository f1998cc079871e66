import { describe, expect, it } from 'vitest';
import { parseGenesysEvent } from '../../shared/genesys/event';
import { firstDuplicateKey } from '../../shared/genesys/json-guard';
import { PermanentEventError } from '../../shared/resilience/errors';
import { LIMITS, conversationEvent } from '../fixtures/factories';

const reasonOf = (body: string): string => {
  try {
    parseGenesysEvent(body, LIMITS);
    return 'accepted';
  } catch (error) {
    if (error instanceof PermanentEventError) return error.reason;
    throw error;
  }
};

describe('bad input hardening', () => {
  it('finds a repeated key in one object, at any depth, and ignores keys repeated across objects', () => {
    expect(firstDuplicateKey('{"a":1,"b":{"c":1,"c":2}}')).toBe('c');
    expect(firstDuplicateKey('{"a":1,"a":2}')).toBe('a');
    expect(firstDuplicateKey('{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}')).toBeUndefined();
    expect(firstDuplicateKey('{"k":"a,\\"b\\":1","b":2}')).toBeUndefined();
    expect(firstDuplicateKey('{"\\u0061":1,"a":2}')).toBe('a');
  });

  it('dead-letters a body with duplicate keys instead of guessing which value Genesys meant', () => {
    const text = JSON.stringify(conversationEvent({ conversationId: 'c-1' })).replace('"conversationId":"c-1"', '"conversationId":"c-1","conversationId":"c-2"');
    expect(reasonOf(text)).toBe('duplicate-keys');
  });

  it('dead-letters invalid UTF-8 (U+FFFD after decoding) and unpaired surrogates', () => {
    const event = conversationEvent();
    expect(reasonOf(JSON.stringify(event).replace('MESSAGE', 'MES\uFFFDSAGE'))).toBe('invalid-utf8');
    expect(reasonOf(JSON.stringify(event).replace('MESSAGE', 'MES\uD800SAGE'))).toBe('invalid-utf8');
    // The same character escaped by a hop that re-serialised the JSON.
    expect(reasonOf(JSON.stringify(event).replace('MESSAGE', 'MES\\ufffdSAGE'))).toBe('invalid-utf8');
  });

  it('rejects a 1 MiB payload as oversize without parsing it', () => {
    expect(reasonOf(`{"pad":"${'x'.repeat(1024 * 1024)}"}`)).toBe('oversize');
  });

  it('survives nesting far beyond the stack: 100,000 levels is a named reason, not a crash', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(['too-deep', 'not-an-event']).toContain(reasonOf(deep));
    expect(reasonOf(`{"detail":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`)).toBe('too-deep');
  });
});
