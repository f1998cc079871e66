// Deterministic media content for the platform doubles: the bytes of a file
// are a function of its reference and size, produced chunk by chunk, so a
// 30 MB "video" is served (and its digest computed) without ever being held in
// memory, and a test can recompute what the forwarder should have stored.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const BLOCK_BYTES = 64 * 1024;

/** One 64 KiB block derived from the reference (SHA-256 in counter mode); the file repeats it. */
function blockFor(ref: string): Buffer {
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  for (let offset = 0, counter = 0; offset < BLOCK_BYTES; offset += 32, counter += 1) {
    createHash('sha256').update(`${ref}#${counter}`).digest().copy(block, offset);
  }
  return block;
}

function* chunks(ref: string, sizeBytes: number): Generator<Buffer> {
  const block = blockFor(ref);
  for (let sent = 0; sent < sizeBytes; sent += BLOCK_BYTES) {
    yield sizeBytes - sent >= BLOCK_BYTES ? block : block.subarray(0, sizeBytes - sent);
  }
}

/** The file's bytes as a stream (backpressure-aware when piped). */
export function mediaStream(ref: string, sizeBytes: number): Readable {
  return Readable.from(chunks(ref, sizeBytes), { objectMode: false });
}

export function mediaDigest(ref: string, sizeBytes: number, encoding: 'hex' | 'base64' = 'hex'): string {
  const hash = createHash('sha256');
  for (const chunk of chunks(ref, sizeBytes)) hash.update(chunk);
  return hash.digest(encoding);
}
