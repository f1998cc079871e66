// Small HTTP pieces the loopback doubles share: a body reader that stops at a
// cap instead of buffering whatever a client sends, JSON answers, and a
// listen-on-loopback helper that hands back the base URL.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export type CappedBody = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads a request body up to `maxBytes`. A declared Content-Length over the
 * cap is refused before a byte is read; a chunked body is cut off as soon as
 * it passes the cap (the caller answers 413 and the connection is closed), so
 * memory stays bounded by the cap whatever the client sends.
 */
export function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<CappedBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: CappedBody): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        // Stop accumulating; keep draining so the 413 can still be written.
        req.removeAllListeners('data');
        req.resume();
        settle({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle({ ok: true, body: Buffer.concat(chunks, size) }));
    req.on('error', () => settle({ ok: false, reason: 'aborted' }));
    req.on('aborted', () => settle({ ok: false, reason: 'aborted' }));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export interface Listening {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = any free port) and answers with the base URL. */
export async function listenOnLoopback(handler: RequestListener, port = 0): Promise<Listening> {
  const server = createServer(handler);
  // Keep-alive sockets would hold close() open until their idle timeout.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${LOOPBACK} is in use: pass port 0 (any free port) or another port`) : error),
    );
    server.listen(port, LOOPBACK, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    url: `http://${LOOPBACK}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs an async route handler; an unexpected throw becomes a 500 instead of a hung socket. */
export function guarded(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): RequestListener {
  return (req, res) => {
    handler(req, res).catch((error: unknown) => {
      sendJson(res, 500, { message: `double failed: ${error instanceof Error ? error.message : String(error)}`, status: 500 });
    });
  };
}
