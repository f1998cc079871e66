// Loading the Terraform for tests, optionally with edits applied in memory:
// each contract is also run against a deliberately broken copy to prove the
// check can fail. An edit whose text is not found throws, so a test cannot
// pass vacuously after the Terraform changes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Value } from './expressions';
import { listTerraformFiles, parseTerraformFile, parseTerraformSource, REPO_ROOT, TERRAFORM_DIR, type TerraformFile } from './hcl';
import { loadRoot, type ModuleInstance } from './model';

/** Values for the root variables that have no default. */
export const REQUIRED_VARS: Record<string, Value> = {
  genesys_org_id: '0a1b2c3d-0000-4000-8000-000000000000',
  event_source_suffix: 'contract-tests',
};

export interface Edit {
  /** Path relative to the repository, e.g. terraform/modules/event-ingest/main.tf */
  file: string;
  from: string | RegExp;
  to: string;
}

export function editedSources(edits: Edit[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const edit of edits) {
    const path = join(REPO_ROOT, edit.file);
    const text = sources.get(path) ?? readFileSync(path, 'utf8');
    const found = typeof edit.from === 'string' ? text.includes(edit.from) : edit.from.test(text);
    if (!found) throw new Error(`edit of ${edit.file}: ${String(edit.from)} not found; update the test to the current Terraform`);
    sources.set(path, text.replace(edit.from, edit.to));
  }
  return sources;
}

export async function loadTerraform(edits: Edit[] = [], overrides: Record<string, Value> = {}): Promise<{ root: ModuleInstance; files: TerraformFile[] }> {
  const sources = editedSources(edits);
  const files = await Promise.all(listTerraformFiles().map((p) => (sources.has(p) ? parseTerraformSource(p, sources.get(p)!) : parseTerraformFile(p))));
  const root = await loadRoot(TERRAFORM_DIR, { ...REQUIRED_VARS, ...overrides }, sources);
  return { root, files };
}
