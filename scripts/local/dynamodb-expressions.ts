// The part of DynamoDB's expression language the consumers use, evaluated the
// way DynamoDB does, for the latency stub (scripts/local/dynamodb-stub.ts):
//
//   conditions  attribute_exists(p), attribute_not_exists(p), p = | <> | < |
//               <= | > | >= operand, AND, OR, NOT, parentheses
//   updates     SET p = operand, ... and REMOVE p, ...
//
// Operands are attribute names (plain or #placeholders) and :values. Paths are
// top-level attributes only: neither consumer writes nested paths (design §3
// explains why the projection keeps one item per aspect instead). Anything
// else is refused with a ValidationException naming the token, as DynamoDB
// refuses a malformed expression, so a consumer that starts using more of the
// language fails loudly here instead of being measured against wrong
// semantics.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export class ValidationError extends Error {
  override readonly name = 'ValidationException';
}

interface Scope {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

type Token = { kind: 'word' | 'name' | 'value' | 'op' | 'punct'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(<>|<=|>=|=|<|>)|([(),])|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(expression);
    if (!m) throw new ValidationError(`Invalid expression: unexpected text at "${expression.slice(at, at + 20)}"`);
    at = pattern.lastIndex;
    if (m[1]) tokens.push({ kind: 'op', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'punct', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'name', text: m[3] });
    else if (m[4]) tokens.push({ kind: 'value', text: m[4] });
    else tokens.push({ kind: 'word', text: m[5]! });
  }
  return tokens;
}

class Cursor {
  private at = 0;
  constructor(private readonly tokens: Token[], private readonly scope: Scope) {}
  peek(): Token | undefined {
    return this.tokens[this.at];
  }
  next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new ValidationError('Invalid expression: ends too early');
    return token;
  }
  expect(text: string): void {
    const token = this.next();
    if (token.text !== text) throw new ValidationError(`Invalid expression: expected "${text}", found "${token.text}"`);
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }
  /** A top-level attribute name, from a #placeholder or written plainly. */
  path(): string {
    const token = this.next();
    if (token.kind === 'name') {
      const name = this.scope.names[token.text];
      if (name === undefined) throw new ValidationError(`An expression attribute name used in the document path is not defined; attribute name: ${token.text}`);
      return name;
    }
    if (token.kind === 'word') return token.text;
    throw new ValidationError(`Invalid expression: expected an attribute name, found "${token.text}"`);
  }
  operand(item: Item | undefined): AttributeValue | undefined {
    const token = this.peek();
    if (token?.kind === 'value') {
      this.next();
      const value = this.scope.values[token.text];
      if (value === undefined) throw new ValidationError(`An expression attribute value used in expression is not defined; attribute value: ${token.text}`);
      return value;
    }
    // The path is read even without an item: `item?.[this.path()]` would skip the token.
    const path = this.path();
    return item?.[path];
  }
}

/** DynamoDB's order: numbers by value, strings and binaries by bytes; other types or mixed types do not compare. */
function compare(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b) return undefined;
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  return undefined;
}

function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  const ordered = compare(a, b);
  if (ordered !== undefined) return ordered === 0;
  return JSON.stringify(a) === JSON.stringify(b);
}

function comparison(op: string, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (op === '=') return equal(a, b);
  if (op === '<>') return !equal(a, b);
  const order = compare(a, b);
  if (order === undefined) return false;
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

const UNSUPPORTED_FUNCTIONS = new Set(['begins_with', 'contains', 'size', 'attribute_type']);

// condition := disjunct (OR disjunct)*; disjunct := conjunct (AND conjunct)*;
// conjunct := NOT conjunct | ( condition ) | function | operand op operand
function orExpression(c: Cursor, item: Item | undefined): boolean {
  let result = andExpression(c, item);
  while (c.peek()?.kind === 'word' && c.peek()!.text.toUpperCase() === 'OR') {
    c.next();
    // Both sides are parsed whatever the left gave, so a malformed right side is still refused.
    result = andExpression(c, item) || result;
  }
  return result;
}

function andExpression(c: Cursor, item: Item | undefined): boolean {
  let result = unary(c, item);
  while (c.peek()?.kind === 'word' && c.peek()!.text.toUpperCase() === 'AND') {
    c.next();
    result = unary(c, item) && result;
  }
  return result;
}

function unary(c: Cursor, item: Item | undefined): boolean {
  const token = c.peek();
  if (!token) throw new ValidationError('Invalid expression: ends too early');
  if (token.kind === 'word' && token.text.toUpperCase() === 'NOT') {
    c.next();
    return !unary(c, item);
  }
  if (token.text === '(') {
    c.next();
    const inner = orExpression(c, item);
    c.expect(')');
    return inner;
  }
  if (token.kind === 'word' && (token.text === 'attribute_exists' || token.text === 'attribute_not_exists')) {
    c.next();
    c.expect('(');
    const path = c.path();
    const exists = item?.[path] !== undefined;
    c.expect(')');
    return token.text === 'attribute_exists' ? exists : !exists;
  }
  if (token.kind === 'word' && UNSUPPORTED_FUNCTIONS.has(token.text)) {
    throw new ValidationError(`Invalid ConditionExpression: the stub does not implement the function ${token.text}`);
  }
  const left = c.operand(item);
  const op = c.next();
  if (op.kind !== 'op') throw new ValidationError(`Invalid ConditionExpression: expected a comparator, found "${op.text}"`);
  const right = c.operand(item);
  return comparison(op.text, left, right);
}


/** Whether `item` (undefined: no such item) satisfies the condition. */
export function evaluateCondition(expression: string, item: Item | undefined, scope: Scope): boolean {
  const cursor = new Cursor(tokenize(expression), scope);
  const result = orExpression(cursor, item);
  if (!cursor.done()) throw new ValidationError(`Invalid ConditionExpression: unexpected "${cursor.peek()!.text}"`);
  return result;
}

/** The item after `SET a = :v, …` / `REMOVE a, …` clauses; key attributes may not change. */
export function applyUpdate(expression: string, before: Item, scope: Scope, keyNames: string[]): Item {
  const after: Item = { ...before };
  const cursor = new Cursor(tokenize(expression), scope);
  while (!cursor.done()) {
    const clause = cursor.next();
    const action = clause.text.toUpperCase();
    if (clause.kind !== 'word' || (action !== 'SET' && action !== 'REMOVE')) {
      throw new ValidationError(`Invalid UpdateExpression: the stub implements SET and REMOVE, found "${clause.text}"`);
    }
    for (;;) {
      const path = cursor.path();
      if (keyNames.includes(path)) throw new ValidationError(`Cannot update attribute ${path}. This attribute is part of the key`);
      if (action === 'SET') {
        cursor.expect('=');
        const value = cursor.operand(before);
        if (value === undefined) throw new ValidationError('The provided expression refers to an attribute that does not exist in the item');
        after[path] = value;
      } else {
        delete after[path];
      }
      if (cursor.peek()?.text !== ',') break;
      cursor.next();
    }
  }
  return after;
}

/** DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits + 1). */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/[^0-9]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueBytes(v) + 1, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + valueBytes(v) + 1, 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + Math.ceil(n.length / 2) + 1, 0);
  return 0;
}
