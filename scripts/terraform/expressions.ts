// A small evaluator for the Terraform expressions this project writes, so the
// contract tests can check values (visibility = 6 x timeout, maxReceiveCount,
// rule names from the pattern files) rather than strings. It covers literals,
// templates, var/local/module/each/path references, arithmetic, comparisons,
// conditionals, for expressions and the functions listed in FUNCTIONS.
// Resource attributes are known only after apply: they evaluate to a
// `Ref` naming the resource, which is enough to check what points where.
// Anything else evaluates to `Unknown` with the reason, never to a guess.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export class Ref {
  constructor(
    /** e.g. ["aws_sqs_queue", "buffer_dlq", "arn"] */
    readonly path: string[],
    /** Module directory the resource is declared in. */
    readonly moduleDir: string,
  ) {}
  get address(): string {
    return this.path.join('.');
  }
  /** "aws_sqs_queue.buffer_dlq" */
  get resource(): string {
    return this.path.slice(0, 2).join('.');
  }
  toString(): string {
    return `<${this.address}>`;
  }
}

export class Unknown {
  constructor(readonly why: string) {}
  toString(): string {
    return `<unknown: ${this.why}>`;
  }
}

/** jsonencode() of a value that holds references: kept as the value so checks can read it. */
export class JsonEncoded {
  constructor(readonly value: Value) {}
}

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | Ref | Unknown | JsonEncoded;

export const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;
const isObject = (v: Value): v is { [key: string]: Value } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Ref) && !(v instanceof Unknown) && !(v instanceof JsonEncoded);
const isKnown = (v: Value): boolean => {
  if (v instanceof Unknown || v instanceof Ref) return false;
  if (v instanceof JsonEncoded) return isKnown(v.value);
  if (Array.isArray(v)) return v.every(isKnown);
  if (isObject(v)) return Object.values(v).every(isKnown);
  return true;
};

/** What a reference resolves against. */
export interface Scope {
  variable(name: string): Value;
  local(name: string): Value;
  moduleOutput(module: string, output: string): Value;
  /** "aws_sqs_queue" + "buffer" -> a Ref (or Unknown) */
  resource(kind: 'resource' | 'data', type: string, name: string): Value;
  path: { module: string; root: string };
  each?: { key: Value; value: Value };
  /**
   * A configured argument read back as an attribute (aws_dynamodb_table.x.name):
   * its value where the configuration fixes it, undefined for computed ones.
   */
  attribute?(ref: Ref, name: string): Value | undefined;
  /** Iterator symbols of enclosing for expressions. */
  bindings?: Map<string, Value>;
}

// --- tokens -----------------------------------------------------------------

type Token =
  | { t: 'num'; v: number }
  | { t: 'str'; parts: Array<string | Node> }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string }
  | { t: 'eof' };

type Node =
  | { k: 'lit'; v: Value }
  | { k: 'tpl'; parts: Array<string | Node> }
  | { k: 'ref'; root: string; steps: Step[] }
  | { k: 'call'; name: string; args: Node[]; expand: boolean }
  | { k: 'tuple'; items: Node[] }
  | { k: 'object'; items: Array<{ key: Node; value: Node }> }
  | { k: 'unary'; op: string; x: Node }
  | { k: 'binary'; op: string; l: Node; r: Node }
  | { k: 'cond'; c: Node; a: Node; b: Node }
  | { k: 'for'; object: boolean; keyVar?: string; valVar: string; coll: Node; key?: Node; value: Node; cond?: Node; group: boolean }
  | { k: 'post'; x: Node; steps: Step[] };

type Step = { s: 'attr'; name: string } | { s: 'index'; x: Node } | { s: 'splat' };

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '=>', '...', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '(', ')', '[', ']', '{', '}', ',', '.', '='];

class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  tokens(endAt?: '}'): Token[] {
    const out: Token[] = [];
    let depth = 0;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.src.length) break;
      const ch = this.src[this.pos]!;
      if (endAt && ch === '}' && depth === 0) {
        this.pos++;
        return out.concat({ t: 'eof' });
      }
      if (ch === '"') {
        out.push({ t: 'str', parts: this.string() });
        continue;
      }
      if (ch === '<' && this.src.startsWith('<<', this.pos) && /<<-?[A-Z]/.test(this.src.slice(this.pos, this.pos + 4))) {
        out.push({ t: 'str', parts: this.heredoc() });
        continue;
      }
      if (/[0-9]/.test(ch)) {
        const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.pos))!;
        this.pos += m[0].length;
        out.push({ t: 'num', v: Number(m[0]) });
        continue;
      }
      if (/[A-Za-z_]/.test(ch)) {
        const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos))!;
        this.pos += m[0].length;
        out.push({ t: 'id', v: m[0] });
        continue;
      }
      const op = OPS.find((o) => this.src.startsWith(o, this.pos));
      if (!op) throw new Error(`unexpected character '${ch}' in expression: ${this.src}`);
      if (op === '{') depth++;
      if (op === '}') depth--;
      this.pos += op.length;
      out.push({ t: 'op', v: op });
    }
    if (endAt) throw new Error(`unterminated interpolation in: ${this.src}`);
    return out.concat({ t: 'eof' });
  }

  private skipSpace() {
    for (;;) {
      const rest = this.src.slice(this.pos);
      const m = /^(\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
      if (!m) return;
      this.pos += m[0].length;
    }
  }

  /** A quoted template; the opening quote is at pos. */
  private string(): Array<string | Node> {
    this.pos++;
    return this.templateBody(true);
  }

  /**
   * Template text up to the closing quote (quoted) or the end of the source
   * (a string as hcl2json returns it: text already unescaped, expressions as written).
   */
  templateBody(quoted: boolean): Array<string | Node> {
    const parts: Array<string | Node> = [];
    let text = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos]!;
      if (quoted && ch === '"') {
        this.pos++;
        if (text) parts.push(text);
        return parts;
      }
      if (quoted && ch === '\\') {
        const next = this.src[this.pos + 1]!;
        text += ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' } as Record<string, string>)[next] ?? next;
        this.pos += 2;
        continue;
      }
      if (this.src.startsWith('$${', this.pos)) {
        text += '${';
        this.pos += 3;
        continue;
      }
      if (this.src.startsWith('${', this.pos)) {
        if (text) parts.push(text);
        text = '';
        this.pos += 2;
        parts.push(this.interpolation());
        continue;
      }
      text += ch;
      this.pos++;
    }
    if (quoted) throw new Error(`unterminated string in: ${this.src}`);
    if (text) parts.push(text);
    return parts;
  }

  private heredoc(): Array<string | Node> {
    const m = /^<<(-?)([A-Z]+)\n/.exec(this.src.slice(this.pos));
    if (!m) throw new Error(`malformed heredoc in: ${this.src}`);
    this.pos += m[0].length;
    const end = this.src.indexOf(`\n${m[2]}`, this.pos - 1);
    const body = this.src.slice(this.pos, end + 1);
    this.pos = end + 1 + m[2]!.length + 1;
    return parseTemplate(body).parts;
  }

  private interpolation(): Node {
    const inner = new Lexer(this.src);
    inner.pos = this.pos;
    const tokens = inner.tokens('}');
    this.pos = inner.pos;
    return new Parser(tokens).parseAll();
  }
}

class Parser {
  i = 0;
  constructor(readonly toks: Token[]) {}

  parseAll(): Node {
    const n = this.expr();
    if (this.peek().t !== 'eof') throw new Error(`unexpected ${JSON.stringify(this.peek())} after expression`);
    return n;
  }

  private peek(o = 0): Token {
    return this.toks[this.i + o] ?? { t: 'eof' };
  }
  private next(): Token {
    return this.toks[this.i++] ?? { t: 'eof' };
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string) {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new Error(`expected '${v}', found ${JSON.stringify(t)}`);
  }

  expr(): Node {
    const c = this.binary(0);
    if (this.isOp('?')) {
      this.next();
      const a = this.expr();
      this.expect(':');
      const b = this.expr();
      return { k: 'cond', c, a, b };
    }
    return c;
  }

  private static PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

  private binary(min: number): Node {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      const p = t.t === 'op' ? Parser.PREC[t.v] : undefined;
      if (p === undefined || p <= min) return l;
      this.next();
      const r = this.binary(p);
      l = { k: 'binary', op: (t as { v: string }).v, l, r };
    }
  }

  private unary(): Node {
    if (this.isOp('-') || this.isOp('!')) {
      const op = (this.next() as { v: string }).v;
      return { k: 'unary', op, x: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(x: Node): Node {
    const steps: Step[] = [];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.next();
        if (t.t === 'id') steps.push({ s: 'attr', name: t.v });
        else if (t.t === 'num') steps.push({ s: 'index', x: { k: 'lit', v: t.v } });
        else if (t.t === 'op' && t.v === '*') steps.push({ s: 'splat' });
        else throw new Error('bad attribute access');
      } else if (this.isOp('[')) {
        this.next();
        if (this.isOp('*')) {
          this.next();
          this.expect(']');
          steps.push({ s: 'splat' });
        } else {
          const ix = this.expr();
          this.expect(']');
          steps.push({ s: 'index', x: ix });
        }
      } else break;
    }
    if (!steps.length) return x;
    if (x.k === 'ref') return { k: 'ref', root: x.root, steps: [...x.steps, ...steps] };
    return { k: 'post', x, steps };
  }

  private primary(): Node {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'str') return { k: 'tpl', parts: t.parts };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (this.isOp('(')) {
        this.next();
        const args: Node[] = [];
        let expand = false;
        while (!this.isOp(')')) {
          args.push(this.expr());
          if (this.isOp('...')) {
            this.next();
            expand = true;
          }
          if (this.isOp(',')) this.next();
          else break;
        }
        this.expect(')');
        return { k: 'call', name: t.v, args, expand };
      }
      return { k: 'ref', root: t.v, steps: [] };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') return this.tupleOrFor();
    if (t.t === 'op' && t.v === '{') return this.objectOrFor();
    throw new Error(`unexpected token ${JSON.stringify(t)}`);
  }

  private forHead(): { keyVar?: string; valVar: string; coll: Node } {
    this.next(); // for
    const a = this.next() as { v: string };
    let keyVar: string | undefined;
    let valVar = a.v;
    if (this.isOp(',')) {
      this.next();
      keyVar = a.v;
      valVar = (this.next() as { v: string }).v;
    }
    const inTok = this.next();
    if (inTok.t !== 'id' || inTok.v !== 'in') throw new Error("expected 'in' in for expression");
    const coll = this.expr();
    this.expect(':');
    return { keyVar, valVar, coll };
  }

  private tupleOrFor(): Node {
    const t = this.peek();
    if (t.t === 'id' && t.v === 'for') {
      const head = this.forHead();
      const value = this.expr();
      let cond: Node | undefined;
      if (this.peek().t === 'id' && (this.peek() as { v: string }).v === 'if') {
        this.next();
        cond = this.expr();
      }
      this.expect(']');
      return { k: 'for', object: false, ...head, value, cond, group: false };
    }
    const items: Node[] = [];
    while (!this.isOp(']')) {
      items.push(this.expr());
      if (this.isOp(',')) this.next();
    }
    this.expect(']');
    return { k: 'tuple', items };
  }

  private objectOrFor(): Node {
    const t = this.peek();
    if (t.t === 'id' && t.v === 'for') {
      const head = this.forHead();
      const key = this.expr();
      this.expect('=>');
      const value = this.expr();
      let group = false;
      if (this.isOp('...')) {
        this.next();
        group = true;
      }
      let cond: Node | undefined;
      if (this.peek().t === 'id' && (this.peek() as { v: string }).v === 'if') {
        this.next();
        cond = this.expr();
      }
      this.expect('}');
      return { k: 'for', object: true, ...head, key, value, cond, group };
    }
    const items: Array<{ key: Node; value: Node }> = [];
    while (!this.isOp('}')) {
      const kt = this.peek();
      let key: Node;
      if (kt.t === 'id' && (this.isOp('=', 1) || this.isOp(':', 1))) {
        this.next();
        key = { k: 'lit', v: kt.v };
      } else key = this.expr();
      const sep = this.next();
      if (sep.t !== 'op' || (sep.v !== '=' && sep.v !== ':')) throw new Error("expected '=' or ':' in object");
      items.push({ key, value: this.expr() });
      if (this.isOp(',')) this.next();
    }
    this.expect('}');
    return { k: 'object', items };
  }
}

/** Parse a string as Terraform writes it in JSON form: a template with ${...} parts. */
export function parseTemplate(src: string): { k: 'tpl'; parts: Array<string | Node> } {
  return { k: 'tpl', parts: new Lexer(src).templateBody(false) };
}

/** Parse an expression in Terraform syntax (no surrounding ${}). */
export function parseExpression(src: string): Node {
  return new Parser(new Lexer(src).tokens()).parseAll();
}

// --- evaluation -------------------------------------------------------------

const unknownIn = (...vs: Value[]): Unknown | undefined => vs.find((v) => v instanceof Unknown || v instanceof Ref) as Unknown | undefined;

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*')}$`);
}

function listFiles(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(dir, prefix)).sort();
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const relPath = prefix ? `${prefix}/${e}` : e;
    try {
      return readdirSync(join(dir, relPath)) && listFiles(dir, relPath);
    } catch {
      return [relPath];
    }
  });
}

function toJson(v: Value): unknown {
  if (v instanceof JsonEncoded) return JSON.stringify(toJson(v.value));
  if (Array.isArray(v)) return v.map(toJson);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function asString(v: Value): string | Unknown {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof JsonEncoded && isKnown(v)) return JSON.stringify(toJson(v.value));
  return v instanceof Unknown ? v : new Unknown(`${String(v)} in a string`);
}

const FUNCTIONS: Record<string, (args: Value[], scope: Scope) => Value> = {
  max: (a) => unknownIn(...a) ?? Math.max(...(a as number[])),
  min: (a) => unknownIn(...a) ?? Math.min(...(a as number[])),
  floor: (a) => unknownIn(...a) ?? Math.floor(a[0] as number),
  ceil: (a) => unknownIn(...a) ?? Math.ceil(a[0] as number),
  abs: (a) => unknownIn(...a) ?? Math.abs(a[0] as number),
  tostring: (a) => (a[0] === null ? null : asString(a[0]!)),
  tonumber: (a) => unknownIn(...a) ?? Number(a[0]),
  tolist: (a) => a[0]!,
  toset: (a) => (Array.isArray(a[0]) ? [...new Set(a[0] as never[])] : a[0]!),
  jsonencode: (a) => new JsonEncoded(a[0]!),
  jsondecode: (a) => (typeof a[0] === 'string' ? (JSON.parse(a[0]) as Value) : new Unknown('jsondecode of an unknown')),
  file: (a, scope) => (typeof a[0] === 'string' ? readFileSync(resolve(scope.path.module, a[0]), 'utf8') : new Unknown('file() of an unknown path')),
  fileexists: (a, scope) => {
    if (typeof a[0] !== 'string') return new Unknown('fileexists() of an unknown path');
    try {
      readFileSync(resolve(scope.path.module, a[0]));
      return true;
    } catch {
      return false;
    }
  },
  filebase64sha256: () => new Unknown('filebase64sha256() of the build artefact'),
  fileset: (a, scope) => {
    if (typeof a[0] !== 'string' || typeof a[1] !== 'string') return new Unknown('fileset() of an unknown path');
    const re = globToRegExp(a[1]);
    return listFiles(resolve(scope.path.module, a[0])).filter((f) => re.test(f));
  },
  basename: (a) => (typeof a[0] === 'string' ? basename(a[0]) : new Unknown('basename')),
  trimsuffix: (a) => unknownIn(...a) ?? ((a[0] as string).endsWith(a[1] as string) ? (a[0] as string).slice(0, -(a[1] as string).length) : (a[0] as string)),
  trimprefix: (a) => unknownIn(...a) ?? ((a[0] as string).startsWith(a[1] as string) ? (a[0] as string).slice((a[1] as string).length) : (a[0] as string)),
  endswith: (a) => unknownIn(...a) ?? (a[0] as string).endsWith(a[1] as string),
  startswith: (a) => unknownIn(...a) ?? (a[0] as string).startsWith(a[1] as string),
  lower: (a) => unknownIn(...a) ?? (a[0] as string).toLowerCase(),
  upper: (a) => unknownIn(...a) ?? (a[0] as string).toUpperCase(),
  join: (a) => unknownIn(a[0]!, ...((a[1] as Value[]) ?? [])) ?? (a[1] as string[]).join(a[0] as string),
  format: (a) => {
    const u = unknownIn(...a);
    if (u) return u;
    let i = 1;
    return (a[0] as string).replace(/%[sdv%]/g, (m) => (m === '%%' ? '%' : String(a[i++])));
  },
  coalesce: (a) => a.find((v) => v !== null && v !== '') ?? null,
  distinct: (a) => {
    if (!Array.isArray(a[0])) return unknownIn(a[0]!) ?? new Unknown('distinct of a non-list');
    const seen = new Set<string>();
    return (a[0] as Value[]).filter((x) => {
      const key = JSON.stringify(toJson(x));
      return seen.has(key) ? false : (seen.add(key), true);
    });
  },
  concat: (a) => (a.every(Array.isArray) ? (a as Value[][]).flat() : (unknownIn(...a) ?? new Unknown('concat of non-lists'))),
  merge: (a) => (a.every((v) => isObject(v) || v === null) ? Object.assign({}, ...a) : (unknownIn(...a) ?? new Unknown('merge of non-objects'))),
  keys: (a) => (isObject(a[0]!) ? Object.keys(a[0] as object).sort() : (unknownIn(...a) ?? new Unknown('keys'))),
  values: (a) => {
    const o = a[0]!;
    if (isObject(o))
      return Object.keys(o)
        .sort()
        .map((k) => o[k]!);
    return unknownIn(o) ?? new Unknown('values of a non-object');
  },
  length: (a) => {
    const v = a[0]!;
    if (Array.isArray(v)) return v.length;
    if (isObject(v)) return Object.keys(v).length;
    if (typeof v === 'string') return v.length;
    return unknownIn(v) ?? new Unknown('length');
  },
  contains: (a) => (Array.isArray(a[0]) && isKnown(a[1]!) ? (a[0] as Value[]).some((x) => JSON.stringify(toJson(x)) === JSON.stringify(toJson(a[1]!))) : new Unknown('contains')),
  alltrue: (a) => (Array.isArray(a[0]) && (a[0] as Value[]).every((x) => typeof x === 'boolean') ? (a[0] as boolean[]).every(Boolean) : new Unknown('alltrue')),
  anytrue: (a) => (Array.isArray(a[0]) && (a[0] as Value[]).every((x) => typeof x === 'boolean') ? (a[0] as boolean[]).some(Boolean) : new Unknown('anytrue')),
  setproduct: (a) => {
    if (!a.every(Array.isArray)) return new Unknown('setproduct');
    return (a as Value[][]).reduce<Value[][]>((acc, list) => acc.flatMap((p) => list.map((x) => [...p, x])), [[]]);
  },
  can: (a) => !(a[0] instanceof Unknown),
  try: (a) => a.find((v) => !(v instanceof Unknown)) ?? a[a.length - 1]!,
};

function step(v: Value, s: Step, scope: Scope): Value {
  if (s.s === 'splat') {
    if (Array.isArray(v)) return v;
    if (v instanceof Ref) return new Ref([...v.path, '*'], v.moduleDir);
    return v === null ? [] : [v];
  }
  if (v instanceof Unknown) return v;
  if (s.s === 'attr') {
    if (v instanceof Ref) {
      const isInstance = v.path.length === (v.path[0] === 'data' ? 3 : 2);
      const known = isInstance ? scope.attribute?.(v, s.name) : undefined;
      return known !== undefined ? known : new Ref([...v.path, s.name], v.moduleDir);
    }
    if (isObject(v)) return s.name in v ? v[s.name]! : new Unknown(`no attribute ${s.name}`);
    if (Array.isArray(v)) return v.map((x) => step(x, s, scope)); // after a splat
    return new Unknown(`attribute ${s.name} of ${String(v)}`);
  }
  const ix = evaluateNode(s.x, scope);
  if (v instanceof Ref) return new Ref([...v.path, `[${typeof ix === 'string' ? JSON.stringify(ix) : String(ix)}]`], v.moduleDir);
  if (ix instanceof Unknown || ix instanceof Ref) return new Unknown('index by an unknown');
  if (Array.isArray(v)) return v[ix as number] ?? new Unknown(`index ${String(ix)} out of range`);
  if (isObject(v)) return v[String(ix)] ?? new Unknown(`no key ${String(ix)}`);
  return new Unknown('index of a scalar');
}

function evaluateRef(n: { root: string; steps: Step[] }, scope: Scope): Value {
  const { root, steps } = n;
  const attr = (i: number) => (steps[i]?.s === 'attr' ? (steps[i] as { name: string }).name : undefined);
  let v: Value;
  let rest: Step[];
  if (scope.bindings?.has(root)) {
    v = scope.bindings.get(root)!;
    rest = steps;
  } else if (root === 'var' && attr(0)) {
    v = scope.variable(attr(0)!);
    rest = steps.slice(1);
  } else if (root === 'local' && attr(0)) {
    v = scope.local(attr(0)!);
    rest = steps.slice(1);
  } else if (root === 'path' && attr(0)) {
    const which = attr(0)!;
    v = which === 'module' ? scope.path.module : which === 'root' ? scope.path.root : which === 'cwd' ? scope.path.root : new Unknown(`path.${which}`);
    rest = steps.slice(1);
  } else if (root === 'each' && attr(0)) {
    if (!scope.each) return new Unknown('each outside for_each');
    v = attr(0) === 'key' ? scope.each.key : scope.each.value;
    rest = steps.slice(1);
  } else if (root === 'module' && attr(0) && attr(1)) {
    v = scope.moduleOutput(attr(0)!, attr(1)!);
    rest = steps.slice(2);
  } else if (root === 'module' && attr(0) && steps[1]?.s === 'index' && attr(2)) {
    // module.x[0].output: a module called with count (one instance modelled).
    v = scope.moduleOutput(attr(0)!, attr(2)!);
    rest = steps.slice(3);
  } else if (root === 'data' && attr(0) && attr(1)) {
    v = scope.resource('data', attr(0)!, attr(1)!);
    rest = steps.slice(2);
  } else if (root === 'count' || root === 'self' || root === 'terraform') {
    return new Unknown(`${root}.*`);
  } else if (attr(0)) {
    v = scope.resource('resource', root, attr(0)!);
    rest = steps.slice(1);
  } else return new Unknown(`reference ${root}`);
  for (const s of rest) v = step(v, s, scope);
  return v;
}

function binary(op: string, l: Value, r: Value): Value {
  if (op === '==' || op === '!=') {
    // An object or tuple is never null, whatever unknown values it holds (`var.x == null` on an object built from module outputs).
    const isCollection = (v: Value) => Array.isArray(v) || isObject(v);
    if ((l === null && isCollection(r)) || (r === null && isCollection(l))) return op === '!=';
    if (!isKnown(l) || !isKnown(r)) return new Unknown(`comparison with an unknown`);
    const eq = JSON.stringify(toJson(l)) === JSON.stringify(toJson(r));
    return op === '==' ? eq : !eq;
  }
  const u = unknownIn(l, r);
  if (u) return u instanceof Ref ? new Unknown(`arithmetic on ${u.address}`) : u;
  switch (op) {
    case '+':
      return (l as number) + (r as number);
    case '-':
      return (l as number) - (r as number);
    case '*':
      return (l as number) * (r as number);
    case '/':
      return (l as number) / (r as number);
    case '%':
      return (l as number) % (r as number);
    case '<':
      return (l as number) < (r as number);
    case '>':
      return (l as number) > (r as number);
    case '<=':
      return (l as number) <= (r as number);
    case '>=':
      return (l as number) >= (r as number);
    case '&&':
      return Boolean(l) && Boolean(r);
    case '||':
      return Boolean(l) || Boolean(r);
  }
  return new Unknown(`operator ${op}`);
}

export function evaluateNode(n: Node, scope: Scope): Value {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'tpl': {
      if (n.parts.length === 1 && typeof n.parts[0] !== 'string') return evaluateNode(n.parts[0]!, scope);
      let out = '';
      for (const p of n.parts) {
        if (typeof p === 'string') {
          out += p;
          continue;
        }
        const v = evaluateNode(p, scope);
        if (v instanceof Ref) return new Ref([...v.path, '(in a template)'], v.moduleDir);
        const s = asString(v);
        if (s instanceof Unknown) return s;
        out += s;
      }
      return out;
    }
    case 'ref':
      return evaluateRef(n, scope);
    case 'post': {
      let v = evaluateNode(n.x, scope);
      for (const s of n.steps) v = step(v, s, scope);
      return v;
    }
    case 'call': {
      const fn = FUNCTIONS[n.name];
      if (!fn) return new Unknown(`function ${n.name}()`);
      let args = n.args.map((a) => evaluateNode(a, scope));
      if (n.expand && Array.isArray(args[args.length - 1])) args = [...args.slice(0, -1), ...(args[args.length - 1] as Value[])];
      try {
        return fn(args, scope);
      } catch (error) {
        return new Unknown(`${n.name}(): ${(error as Error).message}`);
      }
    }
    case 'tuple':
      return n.items.map((i) => evaluateNode(i, scope));
    case 'object': {
      const out: { [k: string]: Value } = {};
      for (const { key, value } of n.items) {
        const k = key.k === 'ref' && key.steps.length === 0 ? key.root : evaluateNode(key, scope);
        if (typeof k !== 'string') return new Unknown('object key not known');
        out[k] = evaluateNode(value, scope);
      }
      return out;
    }
    case 'unary': {
      const x = evaluateNode(n.x, scope);
      if (unknownIn(x)) return new Unknown('unary on an unknown');
      return n.op === '-' ? -(x as number) : !x;
    }
    case 'binary':
      return binary(n.op, evaluateNode(n.l, scope), evaluateNode(n.r, scope));
    case 'cond': {
      const c = evaluateNode(n.c, scope);
      if (typeof c !== 'boolean') return new Unknown('condition not known');
      return evaluateNode(c ? n.a : n.b, scope);
    }
    case 'for': {
      const coll = evaluateNode(n.coll, scope);
      if (!Array.isArray(coll) && !isObject(coll)) return coll instanceof Unknown ? coll : new Unknown('for over a non-collection');
      const pairs: Array<[Value, Value]> = Array.isArray(coll)
        ? coll.map((v, i) => [i, v])
        : Object.keys(coll)
            .sort()
            .map((k) => [k, coll[k]!]);
      const outList: Value[] = [];
      const outObj: { [k: string]: Value } = {};
      for (const [k, v] of pairs) {
        const bindings = new Map(scope.bindings ?? []);
        if (n.keyVar) bindings.set(n.keyVar, k);
        bindings.set(n.valVar, v);
        const inner: Scope = { ...scope, bindings };
        if (n.cond) {
          const keep = evaluateNode(n.cond, inner);
          if (keep !== true) {
            if (keep instanceof Unknown) return keep;
            continue;
          }
        }
        const value = evaluateNode(n.value, inner);
        if (!n.object) outList.push(value);
        else {
          const key = evaluateNode(n.key!, inner);
          if (typeof key !== 'string') return new Unknown('for key not known');
          if (n.group) outObj[key] = [...((outObj[key] as Value[]) ?? []), value];
          else outObj[key] = value;
        }
      }
      return n.object ? outObj : outList;
    }
  }
}

/**
 * Evaluate a value as hcl2json gives it: strings are templates ("${...}" for
 * a bare expression), arrays and objects hold more of the same.
 */
export function evaluate(raw: unknown, scope: Scope): Value {
  if (typeof raw === 'string') {
    try {
      return evaluateNode(parseTemplate(raw), scope);
    } catch (error) {
      return new Unknown(`cannot parse ${JSON.stringify(raw)}: ${(error as Error).message}`);
    }
  }
  if (Array.isArray(raw)) return raw.map((x) => evaluate(x, scope));
  if (raw !== null && typeof raw === 'object') return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, evaluate(v, scope)]));
  return raw as Value;
}

/** The value jsonencode() was given, or the decoded JSON string. */
export function decodedJson(v: Value): Value {
  if (v instanceof JsonEncoded) return v.value;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Value;
    } catch {
      return new Unknown('not JSON');
    }
  }
  return v;
}

export const plain = (v: Value): unknown => toJson(v);
