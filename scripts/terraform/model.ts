// The root module and the modules it calls, wired as Terraform wires them:
// a module's var.x is the argument its caller passes (evaluated in the
// caller), else the variable's default. Contract tests ask this model for
// resources and evaluate their arguments.
import { resolve } from 'node:path';
import { evaluate, Ref, Unknown, type Scope, type Value } from './expressions';
import { loadModule, TERRAFORM_DIR, type BlockRef, type HclBody, type TerraformModule } from './hcl';

export interface ResourceInstance {
  module: ModuleInstance;
  kind: 'resource' | 'data';
  type: string;
  name: string;
  /** for_each key, if any */
  key?: string;
  block: BlockRef;
  /** Evaluate one argument (a top-level attribute) of this instance. */
  arg(name: string): Value;
  /** Evaluate any raw value found inside this instance's body (nested blocks). */
  eval(raw: unknown): Value;
}

export class ModuleInstance {
  private readonly localCache = new Map<string, Value>();
  private readonly evaluating = new Set<string>();
  private readonly children = new Map<string, ModuleInstance>();

  constructor(
    readonly mod: TerraformModule,
    /** Path of module calls from the root, e.g. ["event_ingest"]. */
    readonly address: string[],
    private readonly inputs: (name: string) => Value | undefined,
    private readonly rootDir: string,
    private readonly loaded: Map<string, TerraformModule>,
  ) {}

  get name(): string {
    return this.address.length ? `module.${this.address.join('.module.')}` : 'root';
  }

  scope(each?: Scope['each']): Scope {
    return {
      variable: (n) => this.variable(n),
      local: (n) => this.local(n),
      moduleOutput: (m, o) => this.moduleOutput(m, o),
      resource: (kind, type, name) =>
        (kind === 'data' ? this.mod.data : this.mod.resources).has(`${type}.${name}`)
          ? new Ref([...(kind === 'data' ? ['data'] : []), type, name], this.mod.dir)
          : new Unknown(`${kind} ${type}.${name} is not declared in ${this.mod.dir}`),
      path: { module: this.mod.dir, root: this.rootDir },
      each,
      attribute: (ref, name) => this.configuredAttribute(ref, name),
    };
  }

  private readonly resolving = new Set<string>();

  /** The value of a configured argument of a single-instance resource in this module; computed attributes stay unknown. */
  private configuredAttribute(ref: Ref, name: string): Value | undefined {
    if (ref.moduleDir !== this.mod.dir || ['id', 'arn', 'tags_all'].includes(name)) return undefined;
    const isData = ref.path[0] === 'data';
    const block = (isData ? this.mod.data : this.mod.resources).get(ref.path.slice(isData ? 1 : 0, isData ? 3 : 2).join('.'));
    if (!block || 'for_each' in block.body || 'count' in block.body || !(name in block.body)) return undefined;
    const key = `${ref.address}.${name}`;
    if (this.resolving.has(key)) return undefined;
    this.resolving.add(key);
    try {
      const v = evaluate(block.body[name], this.scope());
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
    } finally {
      this.resolving.delete(key);
    }
  }

  variable(name: string): Value {
    const given = this.inputs(name);
    if (given !== undefined) return given;
    const decl = this.mod.variables.get(name);
    if (!decl) return new Unknown(`var.${name} is not declared in ${this.mod.dir}`);
    if (!('default' in decl.body)) return new Unknown(`var.${name} has no default and no value`);
    return decl.body.default as Value;
  }

  local(name: string): Value {
    if (this.localCache.has(name)) return this.localCache.get(name)!;
    const decl = this.mod.locals.get(name);
    if (!decl) return new Unknown(`local.${name} is not declared`);
    if (this.evaluating.has(name)) return new Unknown(`local.${name} refers to itself`);
    this.evaluating.add(name);
    const v = evaluate(decl.expr, this.scope());
    this.evaluating.delete(name);
    this.localCache.set(name, v);
    return v;
  }

  child(name: string): ModuleInstance {
    const existing = this.children.get(name);
    if (existing) return existing;
    const call = this.mod.modules.get(name);
    if (!call) throw new Error(`module "${name}" is not called from ${this.mod.dir}`);
    const source = call.body.source;
    if (typeof source !== 'string' || !source.startsWith('.')) throw new Error(`module "${name}": only local sources are modelled (${String(source)})`);
    const dir = resolve(this.mod.dir, source);
    const mod = this.loaded.get(dir);
    if (!mod) throw new Error(`module "${name}": ${dir} was not loaded`);
    const args = call.body as HclBody;
    const cache = new Map<string, Value>();
    const inputs = (n: string): Value | undefined => {
      if (!(n in args) || ['source', 'version', 'providers', 'count', 'for_each', 'depends_on'].includes(n)) return undefined;
      if (!cache.has(n)) cache.set(n, evaluate(args[n], this.scope()));
      return cache.get(n);
    };
    const instance = new ModuleInstance(mod, [...this.address, name], inputs, this.rootDir, this.loaded);
    this.children.set(name, instance);
    return instance;
  }

  moduleOutput(module: string, output: string): Value {
    const child = this.child(module);
    const decl = child.mod.outputs.get(output);
    if (!decl) return new Unknown(`module.${module}.${output} is not an output`);
    return evaluate(decl.body.value, child.scope());
  }

  /** This module and every module it calls, depth first; a call whose count is 0 creates nothing and is left out. */
  all(): ModuleInstance[] {
    return [this, ...[...this.mod.modules.keys()].filter((n) => this.callCount(n) !== 0).flatMap((n) => this.child(n).all())];
  }

  /** count of a module call: 1 without count, 0 or 1 as modelled (a count above 1 is modelled as one instance). */
  callCount(name: string): number {
    const call = this.mod.modules.get(name);
    if (!call || !('count' in call.body)) return 1;
    const n = evaluate(call.body.count, this.scope());
    if (typeof n !== 'number') throw new Error(`module "${name}": count is not known (${String(n)}); give the variables it depends on`);
    return Math.min(n, 1);
  }

  /** Instances of every resource (and data source) in this module, for_each expanded. */
  resources(kind: 'resource' | 'data' = 'resource'): ResourceInstance[] {
    return [...(kind === 'data' ? this.mod.data : this.mod.resources).values()].flatMap((block) => this.instancesOf(kind, block));
  }

  private instancesOf(kind: 'resource' | 'data', block: BlockRef & { type: string; name: string }, depth = 0): ResourceInstance[] {
    const make = (key?: string, each?: Scope['each']): ResourceInstance => {
      const scope = this.scope(each);
      return {
        module: this,
        kind,
        type: block.type,
        name: block.name,
        key,
        block,
        arg: (n) => evaluate(block.body[n], scope),
        eval: (raw) => evaluate(raw, scope),
      };
    };
    if (!('for_each' in block.body)) return [make()];
    const coll = evaluate(block.body.for_each, this.scope());
    if (Array.isArray(coll)) return coll.map((v) => make(String(v), { key: v, value: v }));
    if (coll && typeof coll === 'object' && !(coll instanceof Ref) && !(coll instanceof Unknown)) {
      return Object.entries(coll).map(([k, v]) => make(k, { key: k, value: v as Value }));
    }
    const source = coll instanceof Ref && coll.path.length === 2 ? this.mod.resources.get(coll.address) : undefined;
    if (source && depth < 4) {
      // for_each over another resource: the same keys, each.value that resource's instance.
      return this.instancesOf('resource', source, depth + 1).map((s) =>
        make(s.key, { key: s.key ?? null, value: new Ref([s.type, s.name, `[${JSON.stringify(s.key)}]`], this.mod.dir) }),
      );
    }
    return [make('<unknown for_each>', { key: new Unknown('for_each'), value: new Unknown('for_each') })];
  }
}

/** Load a root module and every local module it calls (recursively). */
export async function loadRoot(dir = TERRAFORM_DIR, overrides: Record<string, Value> = {}, sources?: Map<string, string>): Promise<ModuleInstance> {
  const loaded = new Map<string, TerraformModule>();
  const visit = async (d: string) => {
    if (loaded.has(d)) return;
    const mod = await loadModule(d, sources);
    loaded.set(d, mod);
    for (const call of mod.modules.values()) {
      const source = call.body.source;
      if (typeof source === 'string' && source.startsWith('.')) await visit(resolve(d, source));
    }
  };
  await visit(resolve(dir));
  const root = loaded.get(resolve(dir))!;
  return new ModuleInstance(root, [], (n) => overrides[n], resolve(dir), loaded);
}

/** Every resource instance in the tree, optionally of one type. */
export function allResources(root: ModuleInstance, type?: string, kind: 'resource' | 'data' = 'resource'): ResourceInstance[] {
  return root
    .all()
    .flatMap((m) => m.resources(kind))
    .filter((r) => !type || r.type === type);
}

/** Nested blocks of a body (hcl2json renders each block as an array of objects). */
export function blocks(body: HclBody, name: string): HclBody[] {
  const v = body[name];
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as HclBody[]) : [];
}
