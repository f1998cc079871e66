// The local ingest endpoint: a loopback HTTP server that does what API
// Gateway's HTTP API does in front of the ingest function — read the body
// (refusing one past the cap while reading it), build the payload v2 event,
// invoke the bundle that ships (dist/messaging-ingest, one cold start per
// server) and write its structured result back.
//
// The event as AWS builds it: rawPath, rawQueryString, queryStringParameters
// (decoded, repeated keys joined with commas, absent when there is no query),
// lower-cased headers (repeated ones joined with commas, cookies moved to
// `cookies`), requestContext.http.method, and the body as UTF-8 text for text
// content types or base64 with isBase64Encoded for the rest (no content type
// included), as function URLs and HTTP APIs do. A handler that throws or
// runs past the function timeout (the module's ingest_timeout_seconds) is
// answered like API Gateway: 500 {"message":"Internal Server Error"}.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readVariableDefaults } from '../../shared/config/stack-spec';
import { DEFAULT_MAX_WEBHOOK_BYTES, MESSAGING_ENV } from '../../shared/messaging/contract';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './aws-env';
import { lambdaContext, loadBundle } from './lambda-runtime';
import { HOST } from './moto';
import { MESSAGING_VARIABLES_FILE } from './provision-messaging';

export const INGEST_FUNCTION = 'messaging-ingest';

/** The invocation's time limit, from the module's ingest_timeout_seconds default (one source of truth with the Terraform). */
export async function ingestTimeoutMs(file = MESSAGING_VARIABLES_FILE): Promise<number> {
  const seconds = (await readVariableDefaults(file))('ingest_timeout_seconds');
  if (typeof seconds !== 'number') throw new Error(`${file}: variable "ingest_timeout_seconds" needs a number default; the local ingest server uses it.`);
  return seconds * 1000;
}

export interface IngestServer {
  url: string;
  stop(): Promise<void>;
}

const TEXT_TYPES = /^(text\/[^;]+|application\/(json|javascript|xml|yaml|[^;]*\+json|[^;]*\+xml))\s*(;|$)/i;

/** Whether AWS passes this content type as text (else base64 with isBase64Encoded). */
export const isTextContentType = (contentType: string | undefined): boolean => contentType !== undefined && TEXT_TYPES.test(contentType.trim());

export async function startIngestServer(options: { env: Record<string, string>; port?: number }): Promise<IngestServer> {
  const maxBytes = Number(options.env[MESSAGING_ENV.maxWebhookBytes] ?? DEFAULT_MAX_WEBHOOK_BYTES);
  const timeoutMs = await ingestTimeoutMs();
  const handler = await loadBundle<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(INGEST_FUNCTION, options.env);

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) writeJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy(error as Error);
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readCapped(req, maxBytes);
    if (body === 'too-large') {
      // Answered before the handler, as API Gateway answers an oversized payload itself. The rest of the
      // upload is discarded unread (never buffered), so the client finishes sending and reads the 413
      // instead of a reset connection.
      req.resume();
      writeJson(res, 413, { error: 'too_large', reason: `body exceeds the ${maxBytes}-byte limit` });
      return;
    }
    const event = httpApiEvent(req, body, res.socket?.localPort);
    let result: APIGatewayProxyResultV2;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Past its timeout Lambda stops the function and API Gateway answers 500, as a thrown error.
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Task timed out')), timeoutMs);
      });
      result = await Promise.race([handler(event, lambdaContext(INGEST_FUNCTION, timeoutMs, LOCAL_REGION, LOCAL_ACCOUNT)), timedOut]);
    } catch {
      writeJson(res, 500, { message: 'Internal Server Error' });
      return;
    } finally {
      clearTimeout(timer);
    }
    writeResult(res, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body, or 'too-large' as soon as more than maxBytes arrived (nothing more is kept). */
function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function httpApiEvent(req: IncomingMessage, body: Buffer, port: number | undefined): APIGatewayProxyEventV2 {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q >= 0 ? target.slice(0, q) : target;
  const rawQueryString = q >= 0 ? target.slice(q + 1) : '';
  const method = (req.method ?? 'GET').toUpperCase();

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...value.split(';').map((c) => c.trim()).filter(Boolean)];
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  headers['x-forwarded-for'] ??= req.socket.remoteAddress ?? HOST;
  headers['x-forwarded-port'] ??= String(port ?? '');
  headers['x-forwarded-proto'] ??= 'http';

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    queryStringParameters = {};
    for (const [key, value] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[key] = queryStringParameters[key] === undefined ? value : `${queryStringParameters[key]},${value}`;
    }
  }

  const text = isTextContentType(headers['content-type']);
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName: headers.host ?? HOST,
      domainPrefix: (headers.host ?? HOST).split('.')[0]!,
      http: { method, path: rawPath, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? HOST, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');
/** requestContext.time as API Gateway writes it: 12/Mar/2020:19:03:58 +0000. */
const clfTime = (d: Date): string =>
  `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A structured result as API Gateway writes it; a bare value (string, object) is a 200 JSON body, as AWS does. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    writeJson(res, 200, result);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  headers['content-type'] ??= 'application/json';
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}
