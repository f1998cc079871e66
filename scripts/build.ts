// Bundles every functions/<name>/handler.ts into dist/<name>/index.mjs (what
// Lambda runs, handler "index.handler") and zips it to dist/<name>.zip for
// Terraform. The AWS SDK is bundled rather than taken from the runtime so the
// version tested here is the version that ships (README "Performance against
// the guides' consumer" weighs the two).
//
// Target node20: the build machines run Node 20 and Lambda runs nodejs22.x;
// an ES2022/node20 bundle runs on both.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import yazl from 'yazl';
import { readCatalogueFiles, TOPIC_CATALOGUE_DIR } from '../shared/config/topic-catalogue';
import { compileCatalogue, type CatalogueFile } from '../shared/genesys/catalogue';

const ROOT = new URL('..', import.meta.url).pathname;
const FUNCTIONS = join(ROOT, 'functions');
const DIST = join(ROOT, 'dist');

// Some bundled CommonJS dependencies call require() for Node built-ins.
const BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

// Fixed timestamp: the same sources give a byte-identical zip, so Terraform's
// source_code_hash changes only when the code does.
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export async function functionNames(): Promise<string[]> {
  const entries = await readdir(FUNCTIONS, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * Inlines the topic catalogue into the bundle in place of the module that
 * reads it from disk, so the Lambda reads no file and runs exactly the
 * catalogue validated here (a wrong entry fails the build, naming the file,
 * the entry and the fix).
 */
function topicCataloguePlugin(files: readonly CatalogueFile[]): Plugin {
  return {
    name: 'topic-catalogue',
    setup(b) {
      b.onLoad({ filter: /[\\/]shared[\\/]config[\\/]topic-catalogue-files\.ts$/ }, () => ({
        contents: `export const TOPIC_CATALOGUE_FILES = ${JSON.stringify(files)};`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Every client's default credential chain (@aws-sdk/credential-provider-node:
 * environment, shared files, SSO, login, process, STS web identity, container,
 * IMDS, with the nested STS/SSO clients they need) is about 100 KB of each
 * bundle, evaluated at init. A Lambda function always receives its role's
 * credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), and the local runner sets the same variables
 * (scripts/local/aws-env.ts), so the bundles resolve the chain to its
 * environment step alone. A bundle started without them fails its first AWS
 * call with the SDK's "Unable to find environment variable credentials".
 */
function lambdaCredentialsPlugin(): Plugin {
  return {
    name: 'lambda-credentials',
    setup(b) {
      b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: 'lambda-credentials', namespace: 'lambda-credentials' }));
      b.onLoad({ filter: /.*/, namespace: 'lambda-credentials' }, () => ({
        contents: "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';",
        loader: 'js',
        resolveDir: ROOT,
      }));
    },
  };
}

export interface BuildOptions {
  /** Catalogue directory (default terraform/topic-catalogue). */
  catalogueDir?: string;
  /** Output directory (default dist/). */
  distDir?: string;
  /** Packages left out of the bundle and resolved at run time (`make bench` weighs `@aws-sdk/*` from the Lambda runtime against bundling it). */
  external?: string[];
}

async function zipBundle(name: string, distDir: string): Promise<string> {
  const zip = new yazl.ZipFile();
  const dir = join(distDir, name);
  // The source map stays in dist/ for debugging; shipping it would only slow cold starts.
  for (const file of (await readdir(dir)).filter((f) => !f.endsWith('.map')).sort()) {
    zip.addBuffer(await readFile(join(dir, file)), file, { mtime: ZIP_MTIME, mode: 0o644 });
  }
  zip.end();
  const out = join(distDir, `${name}.zip`);
  const partial = `${out}.${process.pid}.partial`;
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(partial)).on('close', resolve).on('error', reject);
  });
  await rename(partial, out);
  return out;
}

export async function buildFunctions(names?: string[], options: BuildOptions = {}): Promise<Array<{ name: string; bytes: number; zipBytes: number }>> {
  const selected = names ?? (await functionNames());
  const distDir = options.distDir ?? DIST;
  const catalogue = readCatalogueFiles(options.catalogueDir ?? TOPIC_CATALOGUE_DIR);
  compileCatalogue(catalogue);
  const results = [];
  await mkdir(distDir, { recursive: true });
  for (const name of selected) {
    const outdir = join(distDir, name);
    // Built aside, then each file renamed into place: a process loading the
    // bundle meanwhile reads the old file or the new one, never a missing or
    // half-written one (the integration tests run files side by side, and the
    // CLI some of them run rebuilds bundles others are loading).
    const staging = await mkdtemp(join(distDir, `.${name}-`));
    try {
      await build({
        entryPoints: [join(FUNCTIONS, name, 'handler.ts')],
        outfile: join(staging, 'index.mjs'),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        minify: true,
        sourcemap: 'linked',
        legalComments: 'none',
        banner: { js: BANNER },
        logLevel: 'warning',
        // The ES module builds first: esbuild tree-shakes them, while the
        // CommonJS builds (esbuild's default for node) come whole and pay an
        // interop wrapper per module at init; the AWS SDK, Powertools and
        // cockatiel ship both. The SDK left to the runtime is CommonJS either way.
        mainFields: ['module', 'main'],
        plugins: [topicCataloguePlugin(catalogue), ...(options.external?.includes('@aws-sdk/*') ? [] : [lambdaCredentialsPlugin()])],
        ...(options.external ? { external: options.external } : {}),
      });
      await writeFile(join(staging, 'package.json'), '{"type":"module"}\n');
      await mkdir(outdir, { recursive: true });
      const built = await readdir(staging);
      for (const file of built) await rename(join(staging, file), join(outdir, file));
      for (const file of await readdir(outdir)) if (!built.includes(file)) await rm(join(outdir, file), { recursive: true, force: true });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const zip = await zipBundle(name, distDir);
    results.push({ name, bytes: (await stat(join(outdir, 'index.mjs'))).size, zipBytes: (await stat(zip)).size });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let results: Awaited<ReturnType<typeof buildFunctions>>;
  try {
    results = await buildFunctions(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
  } catch (error) {
    console.error(`build failed: ${(error as Error).message}`);
    process.exit(1);
  }
  for (const r of results) {
    console.log(`built dist/${r.name}/index.mjs ${(r.bytes / 1024).toFixed(0)} KiB, dist/${r.name}.zip ${(r.zipBytes / 1024).toFixed(0)} KiB`);
  }
}
