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

/**
 * Packages whose ES modules have no top-level side effects but whose
 * package.json does not say so ("sideEffects": false), so esbuild keeps every
 * statement it cannot prove pure. lib-dynamodb's pagination modules are
 * `export const paginateQuery = createPaginator(...)`: a call, so kept, and
 * with it the Query and Scan commands of both lib-dynamodb and the DynamoDB
 * client and their schemas, in every bundle that imports any document command.
 * Checked for 3.1162: every module is imports, classes and functions, and
 * createPaginator only returns a function.
 */
const SIDE_EFFECT_FREE_PACKAGES = ['@aws-sdk/lib-dynamodb'];
const RESOLVING_AS_PURE = Symbol('resolving-as-pure');

function sideEffectFreePlugin(packages: readonly string[]): Plugin {
  const inPackage = (path: string) => packages.some((p) => path.includes(`/node_modules/${p}/`));
  return {
    name: 'side-effect-free',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === RESOLVING_AS_PURE) return undefined;
        const bare = packages.includes(args.path);
        if (!bare && !(args.path.startsWith('.') && inPackage(args.importer))) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING_AS_PURE });
        if (r.errors.length > 0 || r.external || !inPackage(r.path)) return undefined;
        return { path: r.path, namespace: r.namespace, suffix: r.suffix, sideEffects: false };
      });
    },
  };
}

/**
 * A client's runtimeConfig imports its whole package.json for one field, the
 * version it puts in the User-Agent (`packageInfo.version`, the only use in
 * @aws-sdk/client-* 3.x); a default JSON import keeps every field (2.4 KB per
 * client). Its name and version are what ship.
 */
function clientPackageInfoPlugin(): Plugin {
  return {
    name: 'client-package-info',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
        const { name, version } = JSON.parse(await readFile(args.path, 'utf8')) as { name: string; version: string };
        return { contents: JSON.stringify({ name, version }), loader: 'json' };
      });
    },
  };
}

/** The module esbuild uses in place of code a bundle provably never runs: it throws, naming what was left out and where. */
function leftOut(what: string, why: string): string {
  const message = `${what} is not in this bundle (${why}); scripts/build.ts left it out, see its comment`;
  return `const leftOut = () => { throw new Error(${JSON.stringify(message)}); };`;
}

/**
 * Event streams. @smithy/core's HttpProtocol loads @smithy/core/event-streams
 * by a dynamic import() only to (de)serialize an operation whose input or
 * output has an event-stream member (RpcProtocol and HttpBindingProtocol ask
 * `getEventStreamMember()`, a structure member with the streaming trait), and
 * SignatureV4 formats event-stream message headers (HeaderFormatter) only in
 * `signMessage`, for event-stream requests. esbuild, writing one file, inlines
 * the dynamic import: about 20 KB of codec, marshallers and checksums in every
 * bundle. A client with event-stream operations is generated with an
 * `eventStreamSerdeProvider` in its runtimeConfig, a static import of
 * @smithy/core/event-streams; of the clients here only S3 has one
 * (SelectObjectContent), and the DynamoDB, SQS, Secrets Manager, Step
 * Functions and EventBridge schemas carry no streaming trait at all. So a
 * bundle in which nothing imports @smithy/core/event-streams statically has no
 * operation that can reach it: there the two are replaced by modules that
 * throw. A bundle with such a client (the forwarder, the dispatcher: S3) is
 * built again with the real modules.
 */
export function withoutEventStreamsPlugin(seen: { staticImport: boolean }): Plugin {
  const why = 'no client in it has an event-stream operation';
  return {
    name: 'without-event-streams',
    setup(b) {
      b.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) => {
        if (args.kind !== 'dynamic-import') {
          seen.staticImport = true;
          return undefined;
        }
        return { path: 'event-streams', namespace: 'left-out' };
      });
      b.onResolve({ filter: /^\.\/HeaderFormatter$/ }, (args) =>
        /[\\/]@smithy[\\/]signature-v4[\\/]dist-es[\\/]SignatureV4\.js$/.test(args.importer) ? { path: 'header-formatter', namespace: 'left-out' } : undefined,
      );
      b.onLoad({ filter: /^event-streams$/, namespace: 'left-out' }, () => ({
        contents: `${leftOut('@smithy/core/event-streams', why)} export class EventStreamSerde { constructor() { leftOut(); } } export const eventStreamSerdeProvider = leftOut;`,
        loader: 'js',
      }));
      b.onLoad({ filter: /^header-formatter$/, namespace: 'left-out' }, () => ({
        contents: `${leftOut('Event-stream message signing (@smithy/signature-v4 HeaderFormatter)', why)} export class HeaderFormatter { format() { leftOut(); } }`,
        loader: 'js',
      }));
    },
  };
}

/**
 * @smithy/core's Sha256Node falls back to a pure-JS SHA-256 (Sha256Js, 3 KB)
 * only when `createHash('sha256')` throws; Node's OpenSSL always has SHA-256
 * (FIPS mode included: it is an approved digest), and a Node built without
 * crypto cannot load the bundle at all (it imports node:crypto). Imports of
 * Sha256Js from elsewhere (the checksum index that S3's checksums use) keep
 * the real one.
 */
function nativeSha256Plugin(): Plugin {
  return {
    name: 'native-sha256',
    setup(b) {
      b.onResolve({ filter: /^\.\/Sha256Js$/ }, (args) =>
        /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Node\.js$/.test(args.importer) ? { path: 'sha256-js', namespace: 'left-out' } : undefined,
      );
      b.onLoad({ filter: /^sha256-js$/, namespace: 'left-out' }, () => ({
        contents: `${leftOut('The pure-JS SHA-256 fallback', "this Node's crypto has no SHA-256")} export class Sha256Js { constructor() { leftOut(); } }`,
        loader: 'js',
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
      const eventStreams = { staticImport: false };
      const bundle = (withoutEventStreams: boolean) => build({
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
        plugins: [
          topicCataloguePlugin(catalogue),
          ...(options.external?.includes('@aws-sdk/*') ? [] : [lambdaCredentialsPlugin()]),
          sideEffectFreePlugin(SIDE_EFFECT_FREE_PACKAGES),
          clientPackageInfoPlugin(),
          nativeSha256Plugin(),
          ...(withoutEventStreams ? [withoutEventStreamsPlugin(eventStreams)] : []),
        ],
        ...(options.external ? { external: options.external } : {}),
      });
      await bundle(true);
      if (eventStreams.staticImport) await bundle(false);
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
