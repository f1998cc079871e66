// Reads the topic catalogue files (terraform/topic-catalogue/*.json, one per
// family) for the build, the local stack, the CLI and the tests. The consumer
// bundle does not read files: scripts/build.ts inlines them (see
// topic-catalogue-files.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CatalogueFile } from '../genesys/catalogue';

const ROOT = new URL('../../', import.meta.url).pathname;
export const TOPIC_CATALOGUE_DIR = join(ROOT, 'terraform', 'topic-catalogue');

/** Every *.json directly in dir (subfolders such as variants/ are not loaded), sorted, labelled by their path from the repository root. */
export function readCatalogueFiles(dir = TOPIC_CATALOGUE_DIR): CatalogueFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    throw new Error(`topic catalogue: cannot read ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it holds one JSON file per topic family.`);
  }
  const label = relative(ROOT, dir).startsWith('..') ? dir : relative(ROOT, dir);
  return names.map((name) => ({ file: join(label, name), text: readFileSync(join(dir, name), 'utf8') }));
}
