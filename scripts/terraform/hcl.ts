// Reading the project's Terraform offline: list and parse .tf files with
// @cdktf/hcl2json (the HCL parser Terraform itself uses, compiled to WASM),
// merge a directory into one module, and find the source line of a block or
// argument so a failing check can point at it.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const TERRAFORM_DIR = join(REPO_ROOT, 'terraform');

// hcl2json renders a block as an array of objects and an attribute as its
// value; expressions come back as "${...}" strings.
export type HclBody = Record<string, unknown>;
export type HclJson = Record<string, unknown>;

export interface TerraformFile {
  path: string;
  text: string;
  json: HclJson;
}

/** Every .tf file under dir, sorted; skips .terraform/ (provider caches) and hidden directories. */
export function listTerraformFiles(dir = TERRAFORM_DIR): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listTerraformFiles(full));
    else if (entry.endsWith('.tf')) out.push(full);
  }
  return out;
}

export async function parseTerraformSource(path: string, text: string): Promise<TerraformFile> {
  try {
    return { path, text, json: (await parse(path, text)) as HclJson };
  } catch (error) {
    throw new Error(`${relative(REPO_ROOT, path)} does not parse: ${(error as Error).message}`);
  }
}

export async function parseTerraformFile(path: string): Promise<TerraformFile> {
  return parseTerraformSource(path, readFileSync(path, 'utf8'));
}

/** A labelled block (resource "type" "name", module "name", ...) with the file it came from. */
export interface BlockRef {
  file: TerraformFile;
  body: HclBody;
}

/** All .tf files of one directory (not its subdirectories), merged the way Terraform merges a module. */
export interface TerraformModule {
  dir: string;
  files: TerraformFile[];
  variables: Map<string, BlockRef>;
  locals: Map<string, { file: TerraformFile; expr: unknown }>;
  outputs: Map<string, BlockRef>;
  modules: Map<string, BlockRef>;
  /** key "type.name" */
  resources: Map<string, BlockRef & { type: string; name: string }>;
  /** key "type.name"; data sources nested in check blocks included */
  data: Map<string, BlockRef & { type: string; name: string; check?: string }>;
  checks: Map<string, BlockRef>;
  terraform: BlockRef[];
  providers: Array<BlockRef & { name: string }>;
}

const first = (v: unknown): HclBody => (Array.isArray(v) ? (v[0] as HclBody) : (v as HclBody)) ?? {};

export async function loadModule(dir: string, sources?: Map<string, string>): Promise<TerraformModule> {
  const paths = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .map((f) => join(dir, f));
  const files = await Promise.all(paths.map((p) => (sources?.has(p) ? parseTerraformSource(p, sources.get(p)!) : parseTerraformFile(p))));
  const mod: TerraformModule = {
    dir,
    files,
    variables: new Map(),
    locals: new Map(),
    outputs: new Map(),
    modules: new Map(),
    resources: new Map(),
    data: new Map(),
    checks: new Map(),
    terraform: [],
    providers: [],
  };
  const labelled = (file: TerraformFile, section: unknown, into: Map<string, BlockRef>) => {
    for (const [name, bodies] of Object.entries((section ?? {}) as Record<string, unknown>)) into.set(name, { file, body: first(bodies) });
  };
  const typed = (file: TerraformFile, section: unknown, into: Map<string, BlockRef & { type: string; name: string; check?: string }>, check?: string) => {
    for (const [type, byName] of Object.entries((section ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [name, bodies] of Object.entries(byName)) into.set(`${type}.${name}`, { file, body: first(bodies), type, name, check });
    }
  };
  for (const file of files) {
    const j = file.json;
    labelled(file, j.variable, mod.variables);
    labelled(file, j.output, mod.outputs);
    labelled(file, j.module, mod.modules);
    labelled(file, j.check, mod.checks);
    typed(file, j.resource, mod.resources);
    typed(file, j.data, mod.data);
    for (const [name, checks] of Object.entries((j.check ?? {}) as Record<string, HclBody[]>)) {
      for (const c of checks) typed(file, c.data, mod.data, name);
    }
    for (const locals of (j.locals ?? []) as HclBody[]) {
      for (const [name, expr] of Object.entries(locals)) mod.locals.set(name, { file, expr });
    }
    for (const t of (j.terraform ?? []) as HclBody[]) mod.terraform.push({ file, body: t });
    for (const [name, bodies] of Object.entries((j.provider ?? {}) as Record<string, HclBody[]>)) {
      for (const body of bodies) mod.providers.push({ file, body, name });
    }
  }
  return mod;
}

// ---------------------------------------------------------------------------
// Source locations. hcl2json drops positions, so a block is found again in the
// text: the header line, then each nested name inside the block's braces.

interface Span {
  start: number; // line index of the header
  end: number; // line index of the closing brace
}

/** Line index of the brace that closes the block opened on line `start` (strings and comments skipped). */
export function blockEnd(lines: string[], start: number): number {
  let depth = 0;
  let opened = false;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    let inString = false;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c]!;
      if (inString) {
        if (ch === '\\') c++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '#' || (ch === '/' && line[c + 1] === '/')) break;
      else if (ch === '{') {
        depth++;
        opened = true;
      } else if (ch === '}') depth--;
    }
    if (opened && depth <= 0) return i;
  }
  return lines.length - 1;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * 1-based line of `path` in the file: path[0..n] are the block header labels
 * (e.g. ["resource", "aws_sqs_queue", "buffer"]) and the rest nested argument
 * or block names. Falls back to the deepest part found.
 */
export function locate(text: string, header: string[], nested: string[] = []): number {
  const lines = text.split('\n');
  const headerRe = new RegExp(`^\\s*${escapeRe(header[0]!)}${header
    .slice(1)
    .map((l) => `\\s+"?${escapeRe(l)}"?`)
    .join('')}\\s*\\{`);
  let start = lines.findIndex((l) => headerRe.test(l));
  if (start < 0) return 1;
  let span: Span = { start, end: blockEnd(lines, start) };
  let found = start;
  for (const name of nested) {
    const re = new RegExp(`^\\s*(?:${escapeRe(name)}\\s*(?:=|\\{)|dynamic\\s+"${escapeRe(name)}"\\s*\\{)`);
    let hit = -1;
    // Only direct children: skip nested blocks of other names.
    for (let i = span.start + 1; i < span.end; i++) {
      if (re.test(lines[i]!)) {
        hit = i;
        break;
      }
      if (/\{\s*(#.*)?$/.test(lines[i]!)) i = blockEnd(lines, i);
    }
    if (hit < 0) break;
    found = hit;
    start = hit;
    span = /\{\s*(#.*)?$/.test(lines[hit]!) ? { start: hit, end: blockEnd(lines, hit) } : { start: hit, end: hit };
  }
  return found + 1;
}

/** The text of the block whose header line (1-based) is given, header included. */
export function blockText(text: string, line: number): string {
  const lines = text.split('\n');
  return lines.slice(line - 1, blockEnd(lines, line - 1) + 1).join('\n');
}

export const rel = (path: string): string => relative(REPO_ROOT, path);
