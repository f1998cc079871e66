// The CI workflows parse as YAML and call only make targets that exist.
import { basename } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { makeCalls, makefiles, makeTargets, readText, workflowFiles } from '../../../scripts/terraform/make-targets';

const targets = makeTargets(makefiles().map(readText));
const workflows = workflowFiles();

describe('CI workflows', () => {
  it('exist', () => {
    expect(workflows.map((f) => basename(f))).toContain('ci.yml');
  });

  it.each(workflows.map((f) => [basename(f), f]))('%s parses as a GitHub Actions workflow', (_name, file) => {
    const doc = parse(readText(file)) as { on?: unknown; jobs?: Record<string, { 'runs-on'?: unknown; steps?: unknown[] }> };
    expect(doc.on).toBeDefined();
    expect(Object.keys(doc.jobs ?? {}).length).toBeGreaterThan(0);
    for (const [job, def] of Object.entries(doc.jobs ?? {})) {
      expect(def['runs-on'], job).toBeDefined();
      expect(Array.isArray(def.steps), job).toBe(true);
    }
  });

  it.each(workflows.map((f) => [basename(f), f]))('%s calls only make targets that exist', (name, file) => {
    const calls = makeCalls(name, readText(file));
    expect(calls.length).toBeGreaterThan(0);
    const missing = calls.filter((c) => !targets.has(c.target)).map((c) => `${c.workflow} job ${c.job}, step "${c.step}": make ${c.target} (not defined in Makefile or mk/*.mk)`);
    expect(missing).toEqual([]);
  });

  it('ci.yml tests pull requests, plans them, and deploys main with an OIDC role', () => {
    const calls = makeCalls('ci.yml', readText(workflows.find((f) => f.endsWith('ci.yml'))!));
    expect(calls.map((c) => `${c.job}:${c.target}`)).toEqual(['test:test', 'plan:plan', 'deploy:plan', 'deploy:deploy']);
    const doc = parse(readText(workflows.find((f) => f.endsWith('ci.yml'))!)) as { jobs: Record<string, { permissions?: Record<string, string> }> };
    expect(doc.jobs.deploy?.permissions?.['id-token']).toBe('write');
    expect(doc.jobs.plan?.permissions?.['id-token']).toBe('write');
  });
});

describe('make targets', () => {
  it('include the Terraform targets of mk/terraform.mk', () => {
    for (const t of ['plan', 'deploy', 'destroy', 'tf-docs']) expect(targets.has(t), t).toBe(true);
  });

  it('are found in rules, not in variables, recipes or special targets', () => {
    const found = makeTargets(['A := b\nx y: z ## doc\n\techo c: d\n.PHONY: x\n$(STAMP): f\nq::\n']);
    expect([...found].sort()).toEqual(['q', 'x', 'y']);
  });

  it('a workflow calling a missing target is reported', () => {
    const yaml = 'on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make plan && make deploi AUTO_APPROVE=1\n';
    const missing = makeCalls('broken.yml', yaml).filter((c) => !targets.has(c.target));
    expect(missing).toEqual([{ workflow: 'broken.yml', job: 'ship', step: 'step 1', target: 'deploi' }]);
  });
});
