// Which make targets exist (Makefile + mk/*.mk) and which ones the CI
// workflows call, so a workflow cannot call a target nobody defined.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './hcl';

export function makefiles(root = REPO_ROOT): string[] {
  const mk = join(root, 'mk');
  return [join(root, 'Makefile'), ...(existsSync(mk) ? readdirSync(mk).filter((f) => f.endsWith('.mk')).sort().map((f) => join(mk, f)) : [])].filter(existsSync);
}

/** Explicit targets of make files: `name other: prereqs` lines, not variables, not special (.PHONY) targets. */
export function makeTargets(texts: string[]): Set<string> {
  const targets = new Set<string>();
  for (const text of texts) {
    let inDefine = false;
    for (const line of text.split('\n')) {
      if (/^define\s/.test(line)) inDefine = true;
      if (inDefine) {
        if (/^endef\b/.test(line)) inDefine = false;
        continue;
      }
      if (line.startsWith('\t') || line.startsWith('#')) continue;
      const m = /^([^:=#\s][^:=#]*?)\s*::?(?!=)/.exec(line);
      if (!m) continue;
      for (const t of m[1]!.split(/\s+/)) if (t && !t.startsWith('.') && !t.includes('$') && !t.includes('%')) targets.add(t);
    }
  }
  return targets;
}

export interface MakeCall {
  workflow: string;
  job: string;
  step: string;
  target: string;
}

/** `make <target>...` calls in the `run` steps of a parsed GitHub Actions workflow. */
export function makeCalls(workflowName: string, text: string): MakeCall[] {
  const doc = parse(text) as { jobs?: Record<string, { steps?: Array<{ name?: string; run?: string }> }> };
  const calls: MakeCall[] = [];
  for (const [job, def] of Object.entries(doc.jobs ?? {})) {
    for (const [i, step] of (def.steps ?? []).entries()) {
      if (typeof step.run !== 'string') continue;
      for (const m of step.run.matchAll(/(?:^|[;&|(]|\s)make\s+([^;&|#\n)]*)/gm)) {
        const words = m[1]!.trim().split(/\s+/).filter(Boolean);
        for (let w = 0; w < words.length; w++) {
          const word = words[w]!;
          if (['-C', '-f', '-j', '-o', '-W', '--directory', '--file'].includes(word)) {
            w++;
            continue;
          }
          if (word.startsWith('-') || word.includes('=')) continue;
          calls.push({ workflow: workflowName, job, step: step.name ?? `step ${i + 1}`, target: word });
        }
      }
    }
  }
  return calls;
}

export function workflowFiles(root = REPO_ROOT): string[] {
  const dir = join(root, '.github', 'workflows');
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f)) : [];
}

export const readText = (file: string): string => readFileSync(file, 'utf8');
