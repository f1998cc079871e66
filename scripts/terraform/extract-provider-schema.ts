// Extracts a compact hashicorp/aws provider schema for the resource types this
// project uses (and a few that planned modules will need) from the generated
// provider bindings `@cdktn/provider-aws` (24.x, generated from hashicorp/aws
// 6.45). The package is ~40 MB packed and ~440 MB installed, so it is installed
// into a temporary directory, read, and thrown away; only the compact JSON is
// committed (test/fixtures/terraform/aws-provider-schema.json) together with
// the package and provider versions it came from.
//
// Where the schema comes from, per resource directory lib/<name>/:
// - index.js, synthesizeHclAttributes() (the sibling of synthesizeAttributes()
//   that also says which keys are nested blocks): every configurable argument
//   and block, and for a block the converter function that lists the block's
//   own arguments;
// - index.d.ts, the `<Class>Config` interface and the block struct interfaces:
//   a property without `?` is required.
//
// Usage:
//   npx tsx scripts/terraform/extract-provider-schema.ts            # install @cdktn/provider-aws@24 into a temp dir
//   npx tsx scripts/terraform/extract-provider-schema.ts --package-dir /path/to/node_modules/@cdktn/provider-aws
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listTerraformFiles, parseTerraformFile } from './hcl';

export const PACKAGE = '@cdktn/provider-aws';
export const PACKAGE_RANGE = '24';
export const SCHEMA_FILE = new URL('../../test/fixtures/terraform/aws-provider-schema.json', import.meta.url).pathname;
const TERRAFORM_DIR = new URL('../../terraform/', import.meta.url).pathname;

/** Resource types kept besides the ones the Terraform already uses: what dlq-redrive / messaging-gateway will need. */
const EXTRA_RESOURCES = [
  /^aws_sfn_/,
  /^aws_s3_bucket/,
  /^aws_sqs_queue/,
  /^aws_iam_/,
  /^aws_cloudwatch_/,
  /^aws_lambda_/,
  /^aws_dynamodb_table/,
  /^aws_kms_key$/,
  /^aws_kms_alias$/,
  /^aws_scheduler_schedule/,
  /^aws_pipes_pipe$/,
  /^aws_sns_topic/,
  /^aws_secretsmanager_secret/,
  /^aws_apigatewayv2_(api|integration|route|stage|domain_name|api_mapping)$/,
];
const EXTRA_DATA_SOURCES = [
  /^aws_secretsmanager_secret_version$/,
  /^aws_iam_policy_document$/,
  /^aws_caller_identity$/,
  /^aws_region$/,
  /^aws_partition$/,
  /^aws_cloudwatch_event_source$/,
  /^aws_cloudwatch_event_bus$/,
  /^aws_sqs_queue$/,
  /^aws_kms_key$/,
];

export interface BlockSchema {
  /** Argument names (attributes), sorted. */
  args: string[];
  /** The subset of args that must be set. */
  required: string[];
  /** Nested blocks by name. */
  blocks: Record<string, NestedBlockSchema>;
}
export interface NestedBlockSchema extends BlockSchema {
  nesting: 'list' | 'set' | 'map' | 'simple';
  /** The block must appear at least once. */
  requiredBlock: boolean;
}
export interface ProviderSchemaFile {
  source: { package: string; packageVersion: string; provider: string; providerVersion: string; extractedBy: string };
  resource: Record<string, BlockSchema>;
  data: Record<string, BlockSchema>;
}

interface AttrEntry {
  name: string;
  isBlock: boolean;
  nesting: NestedBlockSchema['nesting'];
  /** camelCase property the value is read from (this._x / struct.x). */
  property: string | undefined;
  /** Converter of a block's content, e.g. lambdaEventSourceMappingScalingConfigToHclTerraform. */
  converter: string | undefined;
}

const ENTRY = /^\s{4,}(\w+): \{\s*\n\s*value: (.*),\s*\n\s*isBlock: (true|false),\s*\n\s*type: "(\w+)",/gm;

function parseAttrEntries(body: string): AttrEntry[] {
  const entries: AttrEntry[] = [];
  for (const m of body.matchAll(ENTRY)) {
    const [, name, value, isBlock, type] = m as unknown as [string, string, string, string, string];
    entries.push({
      name,
      isBlock: isBlock === 'true',
      nesting: type as NestedBlockSchema['nesting'],
      property: /(?:this\._|struct\.)(\w+)\)/.exec(value)?.[1],
      converter: /(\w+ToHclTerraform)\b/.exec(value.replace(/cdktn\.\w+ToHclTerraform/g, ''))?.[1],
    });
  }
  return entries;
}

/** Body of `const attrs = { ... };` that follows `marker` in the source. */
function attrsBodyAfter(js: string, marker: string): string | undefined {
  const at = js.indexOf(marker);
  if (at < 0) return undefined;
  const start = js.indexOf('const attrs = {', at);
  // A resource without arguments synthesises `const attrs = {};`.
  if (start >= 0 && js.startsWith('const attrs = {};', start)) return '';
  const end = js.indexOf('// remove undefined attributes', start);
  if (start < 0 || end < 0) return undefined;
  return js.slice(start, end);
}

/** Property name -> required, from `export interface <name> ... { readonly x?: T; }` in the .d.ts. */
function interfaceProperties(dts: string, name: string): Map<string, boolean> | undefined {
  const head = new RegExp(`export interface ${name}(?: extends [\\w.]+)? \\{\\n`).exec(dts);
  if (!head) return undefined;
  const end = dts.indexOf('\n}\n', head.index);
  const body = dts.slice(head.index + head[0].length, end);
  const props = new Map<string, boolean>();
  for (const m of body.matchAll(/^\s+readonly (\w+)(\?)?:/gm)) props.set(m[1]!, m[2] !== '?');
  return props;
}

const structName = (converter: string): string => {
  const base = converter.replace(/ToHclTerraform$/, '');
  return base.charAt(0).toUpperCase() + base.slice(1);
};

function buildBlock(js: string, dts: string, entries: AttrEntry[], requiredProps: Map<string, boolean> | undefined, where: string, depth = 0): BlockSchema {
  if (depth > 12) throw new Error(`${where}: nesting deeper than 12 levels; the package layout changed?`);
  const args: string[] = [];
  const required: string[] = [];
  const blocks: Record<string, NestedBlockSchema> = {};
  for (const entry of entries) {
    const isRequired = entry.property !== undefined && requiredProps?.get(entry.property) === true;
    if (!entry.isBlock) {
      args.push(entry.name);
      if (isRequired) required.push(entry.name);
      continue;
    }
    if (!entry.converter) throw new Error(`${where}.${entry.name}: block without a converter function`);
    const body = attrsBodyAfter(js, `function ${entry.converter}(struct) {`);
    if (body === undefined) throw new Error(`${where}.${entry.name}: converter ${entry.converter} not found`);
    const nested = buildBlock(js, dts, parseAttrEntries(body), interfaceProperties(dts, structName(entry.converter)), `${where}.${entry.name}`, depth + 1);
    blocks[entry.name] = { ...nested, nesting: entry.nesting, requiredBlock: isRequired };
  }
  return { args: args.sort(), required: required.sort(), blocks: Object.fromEntries(Object.entries(blocks).sort(([a], [b]) => a.localeCompare(b))) };
}

export function extractResource(libDir: string): { kind: 'resource' | 'data'; type: string; schema: BlockSchema } | undefined {
  const jsFile = join(libDir, 'index.js');
  const dtsFile = join(libDir, 'index.d.ts');
  if (!existsSync(jsFile) || !existsSync(dtsFile)) return undefined;
  const js = readFileSync(jsFile, 'utf8');
  const cls = /^class (\w+) extends cdktn\.(TerraformResource|TerraformDataSource) \{/m.exec(js);
  const type = /terraformResourceType: '(\w+)'/.exec(js)?.[1];
  if (!cls || !type) return undefined;
  const body = attrsBodyAfter(js, 'synthesizeHclAttributes() {');
  if (body === undefined) throw new Error(`${jsFile}: synthesizeHclAttributes() not found; the package layout changed`);
  const dts = readFileSync(dtsFile, 'utf8');
  const configProps = interfaceProperties(dts, `${cls[1]}Config`);
  if (!configProps) throw new Error(`${dtsFile}: interface ${cls[1]}Config not found`);
  return { kind: cls[2] === 'TerraformDataSource' ? 'data' : 'resource', type, schema: buildBlock(js, dts, parseAttrEntries(body), configProps, type) };
}

/** Resource and data source types the Terraform under terraform/ declares. */
export async function typesInUse(dir = TERRAFORM_DIR): Promise<{ resource: Set<string>; data: Set<string> }> {
  const used = { resource: new Set<string>(), data: new Set<string>() };
  for (const file of listTerraformFiles(dir)) {
    const { json } = await parseTerraformFile(file);
    const add = (kind: 'resource' | 'data', blocks: unknown) => {
      for (const type of Object.keys((blocks ?? {}) as object)) if (type.startsWith('aws_')) used[kind].add(type);
    };
    add('resource', json.resource);
    add('data', json.data);
    for (const checks of Object.values((json.check ?? {}) as Record<string, Array<{ data?: unknown }>>)) {
      for (const check of checks) add('data', check.data);
    }
  }
  return used;
}

function installPackage(): { packageDir: string; cleanup: () => void } {
  const prefix = mkdtempSync(join(tmpdir(), 'cdktn-provider-aws-'));
  console.error(`installing ${PACKAGE}@${PACKAGE_RANGE} into ${prefix} (~40 MB download)...`);
  // Peer dependencies (cdktn, constructs) are not needed to read the files.
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--prefix', prefix, `${PACKAGE}@${PACKAGE_RANGE}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { packageDir: join(prefix, 'node_modules', ...PACKAGE.split('/')), cleanup: () => rmSync(prefix, { recursive: true, force: true }) };
}

export async function extractSchema(packageDir: string): Promise<ProviderSchemaFile> {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
    cdktf?: { provider?: { name?: string; version?: string } };
    cdktn?: { provider?: { name?: string; version?: string } };
  };
  const provider = pkg.cdktn?.provider ?? pkg.cdktf?.provider;
  if (!provider?.version) throw new Error(`${packageDir}/package.json names no provider version; is this ${PACKAGE}?`);
  const used = await typesInUse();
  const out: ProviderSchemaFile = {
    source: {
      package: PACKAGE,
      packageVersion: pkg.version,
      provider: provider.name ?? 'registry.terraform.io/hashicorp/aws',
      providerVersion: provider.version,
      extractedBy: 'scripts/terraform/extract-provider-schema.ts',
    },
    resource: {},
    data: {},
  };
  const lib = join(packageDir, 'lib');
  for (const name of readdirSync(lib).sort()) {
    const isData = name.startsWith('data-aws-');
    const guess = `aws_${(isData ? name.slice('data-aws-'.length) : name).replace(/-/g, '_')}`;
    const wanted = isData
      ? used.data.has(guess) || EXTRA_DATA_SOURCES.some((re) => re.test(guess))
      : used.resource.has(guess) || EXTRA_RESOURCES.some((re) => re.test(guess));
    if (!wanted) continue;
    const found = extractResource(join(lib, name));
    if (found) out[found.kind][found.type] = found.schema;
  }
  for (const kind of ['resource', 'data'] as const) {
    const missing = [...used[kind]].filter((t) => !out[kind][t]);
    if (missing.length) throw new Error(`${kind} types used by terraform/ but absent from ${PACKAGE}@${pkg.version}: ${missing.join(', ')}`);
  }
  return out;
}

/** One resource type per line: small diffs when the schema is refreshed. */
export function serialiseSchema(schema: ProviderSchemaFile): string {
  const section = (entries: Record<string, BlockSchema>) =>
    Object.entries(entries)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, s]) => `    ${JSON.stringify(type)}: ${JSON.stringify(s)}`)
      .join(',\n');
  return `{\n  "source": ${JSON.stringify(schema.source)},\n  "resource": {\n${section(schema.resource)}\n  },\n  "data": {\n${section(schema.data)}\n  }\n}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--package-dir');
  const given = at >= 0 ? process.argv[at + 1] : undefined;
  const { packageDir, cleanup } = given ? { packageDir: given, cleanup: () => {} } : installPackage();
  try {
    const schema = await extractSchema(packageDir);
    mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
    writeFileSync(SCHEMA_FILE, serialiseSchema(schema));
    console.log(
      `wrote ${SCHEMA_FILE}: ${Object.keys(schema.resource).length} resources, ${Object.keys(schema.data).length} data sources from ${schema.source.package}@${schema.source.packageVersion} (${schema.source.provider} ${schema.source.providerVersion})`,
    );
  } finally {
    cleanup();
  }
}
