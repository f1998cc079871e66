// What scripts/build.ts leaves out of a bundle, and what it must keep: event
// streams go only from bundles none of whose clients has an event-stream
// operation (the forwarder's S3 client has one, SelectObjectContent), and a
// left-out piece, if ever reached, fails naming itself instead of misbehaving.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions, withoutEventStreamsPlugin } from '../../scripts/build';

const LEFT_OUT_EVENT_STREAMS = '@smithy/core/event-streams is not in this bundle (no client in it has an event-stream operation)';
// A message of @smithy/core's event-stream codec (Int64 header values), present only with the real module.
const EVENT_STREAM_CODEC = 'Int64 buffers must be exactly 8 bytes';

describe('what the bundles leave out', () => {
  let dir: string;
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-build-'));
    const distDir = join(dir, 'dist');
    await buildFunctions(['event-consumer', 'messaging-forwarder'], { distDir });
    for (const name of ['event-consumer', 'messaging-forwarder']) bundles[name] = await readFile(join(distDir, name, 'index.mjs'), 'utf8');
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the consumer (DynamoDB, SQS: no event-stream operation) ships without the event-stream codec, in its place a module that names itself', () => {
    expect(bundles['event-consumer']).toContain(LEFT_OUT_EVENT_STREAMS);
    expect(bundles['event-consumer']).not.toContain(EVENT_STREAM_CODEC);
  });

  it('the forwarder (S3: SelectObjectContent is an event stream) keeps the real event-stream modules', () => {
    expect(bundles['messaging-forwarder']).not.toContain(LEFT_OUT_EVENT_STREAMS);
    expect(bundles['messaging-forwarder']).toContain(EVENT_STREAM_CODEC);
  });

  it('reached anyway, the left-out event-stream module throws naming itself and where it was left out', async () => {
    // The very import HttpProtocol makes, built the way a bundle without an event-stream client is.
    const entry = join(dir, 'entry.mjs');
    await writeFile(entry, "export const loadEventStreams = () => import('@smithy/core/event-streams');\n");
    const seen = { staticImport: false };
    await build({ entryPoints: [entry], outfile: join(dir, 'out.mjs'), bundle: true, platform: 'node', format: 'esm', nodePaths: [join(process.cwd(), 'node_modules')], plugins: [withoutEventStreamsPlugin(seen)], logLevel: 'silent' });
    const { loadEventStreams } = (await import(pathToFileURL(join(dir, 'out.mjs')).href)) as { loadEventStreams: () => Promise<{ eventStreamSerdeProvider: () => unknown }> };
    const { eventStreamSerdeProvider } = await loadEventStreams();
    expect(() => eventStreamSerdeProvider()).toThrow(`${LEFT_OUT_EVENT_STREAMS}; scripts/build.ts left it out`);
    expect(seen.staticImport).toBe(false);
  });

  it("a client's package.json ships only its name and version (the User-Agent's client version)", async () => {
    const { version } = JSON.parse(await readFile(join(process.cwd(), 'node_modules/@aws-sdk/client-dynamodb/package.json'), 'utf8')) as { version: string };
    expect(bundles['event-consumer']).toContain(`{name:"@aws-sdk/client-dynamodb",version:"${version}"}`);
  });
});
