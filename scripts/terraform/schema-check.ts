// Checks every resource and data block of the Terraform against the
// hashicorp/aws provider schema extracted from @cdktn/provider-aws
// (extract-provider-schema.ts): each argument and nested block must exist,
// required ones must be set. What `terraform validate` would catch, offline.
import { readFileSync } from 'node:fs';
import { locate, rel, type HclBody, type TerraformFile } from './hcl';
import { SCHEMA_FILE, type BlockSchema, type NestedBlockSchema, type ProviderSchemaFile } from './extract-provider-schema';

export interface SchemaFinding {
  file: string;
  line: number;
  address: string;
  message: string;
}

export interface SchemaReport {
  findings: SchemaFinding[];
  /** Blocks checked, by "resource.aws_x" / "data.aws_x". */
  checked: number;
  /** Blocks of providers other than hashicorp/aws, which this schema does not cover. */
  otherProviders: string[];
}

export function loadProviderSchema(file = SCHEMA_FILE): ProviderSchemaFile {
  return JSON.parse(readFileSync(file, 'utf8')) as ProviderSchemaFile;
}

const RESOURCE_META = new Set(['count', 'for_each', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection']);
const DATA_META = new Set(['count', 'for_each', 'provider', 'depends_on', 'lifecycle']);
const LIFECYCLE = new Set(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by', 'precondition', 'postcondition']);
const CONDITION = new Set(['condition', 'error_message']);
const DYNAMIC = new Set(['for_each', 'iterator', 'labels', 'content']);

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

function suggestion(name: string, schema: BlockSchema): string {
  const candidates = [...schema.args, ...Object.keys(schema.blocks)];
  const best = candidates.map((c) => [c, distance(name, c)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(name.length / 4)) ? `; did you mean "${best[0]}"?` : '';
}

const bodiesOf = (v: unknown): HclBody[] => (Array.isArray(v) ? (v as HclBody[]) : v && typeof v === 'object' ? [v as HclBody] : []);

interface Ctx {
  file: TerraformFile;
  header: string[];
  address: string;
  providerVersion: string;
  findings: SchemaFinding[];
}

function report(ctx: Ctx, nested: string[], message: string) {
  ctx.findings.push({ file: rel(ctx.file.path), line: locate(ctx.file.text, ctx.header, nested), address: ctx.address, message });
}

function checkBody(ctx: Ctx, body: HclBody, schema: BlockSchema, path: string[], meta?: Set<string>) {
  const dynamicNames = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    if (meta?.has(key)) {
      if (key === 'lifecycle') {
        for (const lc of bodiesOf(value)) {
          for (const [k, v] of Object.entries(lc)) {
            if (!LIFECYCLE.has(k)) report(ctx, [...path, 'lifecycle', k], `unknown lifecycle argument "${k}"`);
            if (k === 'precondition' || k === 'postcondition') {
              for (const c of bodiesOf(v)) {
                for (const ck of Object.keys(c)) if (!CONDITION.has(ck)) report(ctx, [...path, 'lifecycle', k, ck], `unknown ${k} argument "${ck}"`);
                for (const need of CONDITION) if (!(need in c)) report(ctx, [...path, 'lifecycle', k], `${k} needs "${need}"`);
              }
            }
          }
        }
      }
      continue;
    }
    if (key === 'dynamic') {
      for (const [name, dyns] of Object.entries((value ?? {}) as Record<string, HclBody[]>)) {
        const nested = schema.blocks[name];
        if (!nested) {
          report(ctx, [...path, name], `dynamic "${name}": no such block in ${ctx.address.split('.')[0]} (hashicorp/aws ${ctx.providerVersion})${suggestion(name, schema)}`);
          continue;
        }
        dynamicNames.add(name);
        for (const d of bodiesOf(dyns)) {
          for (const k of Object.keys(d)) if (!DYNAMIC.has(k)) report(ctx, [...path, name, k], `dynamic "${name}": unknown argument "${k}"`);
          for (const content of bodiesOf(d.content)) checkBody(ctx, content, nested, [...path, name, 'content']);
        }
      }
      continue;
    }
    if (schema.args.includes(key)) continue;
    const nested = schema.blocks[key];
    if (nested) {
      for (const b of bodiesOf(value)) checkBody(ctx, b, nested, [...path, key]);
      continue;
    }
    const where = path.length ? `block ${path.join('.')}` : ctx.address.split('.')[0];
    report(ctx, [...path, key], `unknown argument "${key}" in ${where} (not in the hashicorp/aws ${ctx.providerVersion} schema)${suggestion(key, schema)}`);
  }
  for (const need of schema.required) {
    if (!(need in body)) report(ctx, path, `required argument "${need}" is missing${path.length ? ` in block ${path.join('.')}` : ''}`);
  }
  for (const [name, nested] of Object.entries(schema.blocks) as Array<[string, NestedBlockSchema]>) {
    if (nested.requiredBlock && !(name in body) && !dynamicNames.has(name)) report(ctx, path, `required block "${name}" is missing`);
  }
}

/** Check parsed files against the schema; files as parseTerraformFile returns them. */
export function checkAgainstSchema(files: TerraformFile[], schema: ProviderSchemaFile = loadProviderSchema()): SchemaReport {
  const findings: SchemaFinding[] = [];
  const otherProviders = new Set<string>();
  let checked = 0;
  const providerVersion = schema.source.providerVersion;
  const visit = (file: TerraformFile, kind: 'resource' | 'data', section: unknown, headerPrefix: string[] = []) => {
    for (const [type, byName] of Object.entries((section ?? {}) as Record<string, Record<string, HclBody[]>>)) {
      for (const [name, bodies] of Object.entries(byName)) {
        const header = [...headerPrefix, kind, type, name];
        const address = `${kind === 'data' ? 'data.' : ''}${type}.${name}`;
        const typeSchema = schema[kind][type];
        if (!type.startsWith('aws_')) {
          otherProviders.add(`${kind}.${type}`);
          continue;
        }
        const ctx: Ctx = { file, header: header.slice(headerPrefix.length), address, providerVersion, findings };
        if (!typeSchema) {
          report(ctx, [], `${kind} type "${type}" is not in the hashicorp/aws ${providerVersion} schema (or not extracted: add it to scripts/terraform/extract-provider-schema.ts and rerun it)`);
          continue;
        }
        for (const body of bodiesOf(bodies)) {
          checked++;
          checkBody(ctx, body, typeSchema, [], kind === 'data' ? DATA_META : RESOURCE_META);
        }
      }
    }
  };
  for (const file of files) {
    visit(file, 'resource', file.json.resource);
    visit(file, 'data', file.json.data);
    for (const checks of Object.values((file.json.check ?? {}) as Record<string, HclBody[]>)) {
      for (const c of checks) visit(file, 'data', c.data);
    }
  }
  return { findings, checked, otherProviders: [...otherProviders].sort() };
}

export const formatFinding = (f: SchemaFinding): string => `${f.file}:${f.line}: ${f.address}: ${f.message}`;
