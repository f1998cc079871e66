// Bundles every functions/<name>/handler.ts into dist/<name>/index.mjs (what
// Lambda runs, handler "index.handler") and zips it to dist/<name>.zip for
// Terraform. The AWS SDK is bundled rather than taken from the runtime so the
// version tested here is the version that ships.
//
// Target node20: the build machines run Node 20 and Lambda runs nodejs22.x;
// an ES2022/node20 bundle runs on both.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import yazl from 'yazl';

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

async function zipBundle(name: string): Promise<string> {
  const zip = new yazl.ZipFile();
  const dir = join(DIST, name);
  // The source map stays in dist/ for debugging; shipping it would only slow cold starts.
  for (const file of (await readdir(dir)).filter((f) => !f.endsWith('.map')).sort()) {
    zip.addBuffer(await readFile(join(dir, file)), file, { mtime: ZIP_MTIME, mode: 0o644 });
  }
  zip.end();
  const out = join(DIST, `${name}.zip`);
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(out)).on('close', resolve).on('error', reject);
  });
  return out;
}

export async function buildFunctions(names?: string[]): Promise<Array<{ name: string; bytes: number; zipBytes: number }>> {
  const selected = names ?? (await functionNames());
  const results = [];
  for (const name of selected) {
    const outdir = join(DIST, name);
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    await build({
      entryPoints: [join(FUNCTIONS, name, 'handler.ts')],
      outfile: join(outdir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      sourcemap: 'linked',
      legalComments: 'none',
      banner: { js: BANNER },
      logLevel: 'warning',
    });
    await writeFile(join(outdir, 'package.json'), '{"type":"module"}\n');
    const zip = await zipBundle(name);
    results.push({ name, bytes: (await stat(join(outdir, 'index.mjs'))).size, zipBytes: (await stat(zip)).size });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await buildFunctions(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
  for (const r of results) {
    console.log(`built dist/${r.name}/index.mjs ${(r.bytes / 1024).toFixed(0)} KiB, dist/${r.name}.zip ${(r.zipBytes / 1024).toFixed(0)} KiB`);
  }
}
