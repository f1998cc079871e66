// A fault-injecting HTTP proxy in front of the local AWS, on loopback. The
// bundle under test is pointed at it through AWS_ENDPOINT_URL_<SERVICE>, so
// faults reach the shipped code unchanged, through its real SDK clients and
// their retry strategy: throttling and 5xx answers in the service's own error
// format, dropped connections, or a whole outage.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `lost-answer`: the call reaches the service and takes effect, then the
 * connection drops before the answer, as a request timeout leaves it: the
 * caller cannot tell whether its write happened. `slow`: the call is passed
 * on after `delayMs`, as an overloaded service answers.
 */
export type FaultKind = 'throttle' | 'server-error' | 'drop' | 'lost-answer' | 'slow';

export interface FaultRule {
  /** Decides from the request (X-Amz-Target header and body) whether this rule applies. */
  matches(call: { target: string; body: string }): boolean;
  kind: FaultKind;
  /** Fail this many matching calls, then pass them through (Infinity: always). */
  times?: number;
  /** Fail this share of matching calls (0..1), drawn per call. */
  ratio?: number;
  /** For `slow`: how long the call waits before it is passed on. */
  delayMs?: number;
  /** Answer throttles and server errors with this Retry-After header, as an HTTP downstream may. */
  retryAfterSeconds?: number;
}

export interface FaultProxy {
  url: string;
  /** Matching calls failed so far, by rule index. */
  injected: number[];
  /** Calls forwarded to the local AWS. */
  forwarded: number;
  /** Calls dropped because of the outage switch. */
  refused: number;
  /** While true every call is dropped, as if the service were unreachable. */
  outage: boolean;
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

const DYNAMODB_ERRORS: Record<Exclude<FaultKind, 'drop' | 'lost-answer' | 'slow'>, { status: number; type: string; message: string }> = {
  throttle: { status: 400, type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' },
  'server-error': { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error (injected)' },
};

export async function startFaultProxy(upstream: string, rules: FaultRule[] = [], random: () => number = Math.random): Promise<FaultProxy> {
  const target = new URL(upstream);
  let active = rules;
  let remaining = rules.map((r) => r.times ?? Number.POSITIVE_INFINITY);
  const state = { injected: rules.map(() => 0), forwarded: 0, refused: 0, outage: false };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (state.outage) {
        state.refused += 1;
        req.socket.destroy();
        return;
      }
      const call = { target: String(req.headers['x-amz-target'] ?? ''), body: body.toString('utf8') };
      const index = active.findIndex((rule, i) => remaining[i]! > 0 && rule.matches(call) && (rule.ratio === undefined || random() < rule.ratio));
      if (index >= 0) {
        remaining[index]! -= 1;
        state.injected[index]! += 1;
        const rule = active[index]!;
        if (rule.kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (rule.kind === 'slow') {
          // Counted as injected, not forwarded: each call is counted once.
          setTimeout(() => pass(req, res, body, false), rule.delayMs ?? 1_000);
          return;
        }
        if (rule.kind === 'lost-answer') {
          // Drop once the service has answered whole: the call has taken effect.
          forward(req, body, (upstreamResponse) => {
            upstreamResponse.resume();
            upstreamResponse.on('end', () => req.socket.destroy());
          });
          return;
        }
        const error = DYNAMODB_ERRORS[rule.kind];
        res.writeHead(error.status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': 'fault-proxy',
          ...(rule.retryAfterSeconds !== undefined ? { 'retry-after': String(rule.retryAfterSeconds) } : {}),
        });
        res.end(JSON.stringify({ __type: error.type, message: error.message }));
        return;
      }
      pass(req, res, body);
    });
  });
  function pass(req: IncomingMessage, res: ServerResponse, body: Buffer, counted = true): void {
    if (counted) state.forwarded += 1;
    forward(req, body, (upstreamResponse) => {
      res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      upstreamResponse.pipe(res);
    });
  }
  function forward(req: IncomingMessage, body: Buffer, answer: (upstreamResponse: IncomingMessage) => void): void {
    const upstreamRequest = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      answer,
    );
    upstreamRequest.on('error', () => req.socket.destroy());
    upstreamRequest.end(body);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get injected() {
      return state.injected;
    },
    get forwarded() {
      return state.forwarded;
    },
    get refused() {
      return state.refused;
    },
    get outage() {
      return state.outage;
    },
    set outage(value: boolean) {
      state.outage = value;
    },
    setRules(next: FaultRule[]) {
      active = next;
      remaining = next.map((r) => r.times ?? Number.POSITIVE_INFINITY);
      state.injected = next.map(() => 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Matches DynamoDB calls of the given operations on the given table, optionally only those whose body contains a marker. */
export const dynamoDbCalls = (table: string, operations: string[], marker?: string) => (call: { target: string; body: string }) =>
  operations.some((op) => call.target === `DynamoDB_20120810.${op}`) &&
  call.body.includes(`"TableName":"${table}"`) &&
  (marker === undefined || call.body.includes(marker));
