// The catalogue files the consumer compiles at cold start. Run unbundled (the
// CLI, the demo's oracle, the tests) this reads terraform/topic-catalogue/;
// scripts/build.ts replaces this module in the Lambda bundle with the files'
// text as validated at build time, so the function reads no file and ships
// exactly what was built.
import type { CatalogueFile } from '../genesys/catalogue';
import { readCatalogueFiles } from './topic-catalogue';

export const TOPIC_CATALOGUE_FILES: readonly CatalogueFile[] = readCatalogueFiles();
