// The local messaging gateway: the resources on the local AWS (as the module
// makes them), the Genesys and platform doubles, the ingest endpoint, a token
// refresh at start and on the module's schedule, and the forwarder bundle
// run by two local FIFO event source mappings (inbound and maintenance), as
// the module's two mappings run one function; the dispatcher bundle on a
// third mapping, the outbound queue.
//
// startMessagingStack() gives a private stack to a test, the demo or the
// bench; `local up` runs one in a detached process (messaging-daemon.ts)
// until `local down`.
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { addDispatcherTally, emptyDispatcherTally, type DispatcherTally } from '../../shared/messaging/dispatcher/tally';
import { addForwarderTally, emptyForwarderTally, type ForwarderTally } from '../../shared/messaging/forwarder/tally';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './aws-env';
import { startGenesysDouble, type GenesysDouble } from './doubles/genesys-double';
import { startPlatformDouble, type PlatformDouble } from './doubles/platform-double';
import { LocalEventSourceMapping, queueDepth, type MappingSettings } from './event-source-mapping';
import { captureFunctionLogs, type LogCapture } from './function-logs';
import { startIngestServer, type IngestServer } from './ingest-server';
import { lambdaContext, loadBundle } from './lambda-runtime';
import { STATE_DIR } from './moto';
import {
  dispatcherEnvironment,
  forwarderEnvironment,
  ingestEnvironment,
  LOCAL_GENESYS_CLIENT,
  LOCAL_PLATFORM_CREDENTIALS,
  provisionMessagingStack,
  tokenRefresherEnvironment,
  type LocalMessagingStack,
  type MessagingDefaults,
} from './provision-messaging';

export const FORWARDER_FUNCTION = 'messaging-forwarder';
export const DISPATCHER_FUNCTION = 'messaging-dispatcher';
export const TOKEN_REFRESHER_FUNCTION = 'messaging-token-refresher';

export interface MessagingStackOptions {
  /** Module defaults replaced for this stack only. */
  overrides?: Partial<MessagingDefaults>;
  /** Extra forwarder environment (e.g. quick backoff in tests). */
  forwarderEnv?: Record<string, string>;
  genesys?: { rateLimitPerMinute?: number; rateLimitWindowSeconds?: number; tokenLifetimeSeconds?: number; port?: number };
  platformPort?: number;
  /** Mapping settings replaced (both mappings). */
  mapping?: Partial<MappingSettings>;
  /** false: provision and start the doubles, but no forwarder runners (a test starts its own). */
  forwarders?: boolean;
  /** false: no dispatcher runner on the outbound queue. Default true. */
  dispatchers?: boolean;
  /** Extra dispatcher environment (e.g. quick backoff, send rates in tests). */
  dispatcherEnv?: Record<string, string>;
  /** Per-second send limits of the platform double (default: the platforms' own). */
  platformSendLimits?: Parameters<typeof startPlatformDouble>[0]['sendLimits'];
  /** Where the functions' JSON logs go (default .local/logs/messaging.log). */
  logFile?: string;
  /** Token refresher period; default token_refresh_rate_minutes. */
  tokenRefreshIntervalMs?: number;
  /** false: no ingest endpoint (tests that enqueue directly). Default true. */
  ingest?: boolean;
  ingestPort?: number;
}

export interface MessagingSummary {
  /** Records taken off the inbound queue (forwarded, dropped as duplicates, dead-lettered or diverted). */
  received: number;
  forwarded: number;
  duplicatesDropped: number;
  divertedToMaintenance: number;
  deadLettered: Record<string, number>;
  rateLimited429: number;
  /** Every record failed back to a queue (429, backoff, open circuit), counted per receive. */
  held: number;
  circuitOpened: number;
  /** The dispatcher's batch summaries summed (outbound queue). */
  outbound: DispatcherTally;
}

export interface MessagingSession {
  stack: LocalMessagingStack;
  genesys: GenesysDouble;
  platform: PlatformDouble;
  /** The local HTTP API in front of the ingest bundle (POST /webhooks/{line,telegram,viber,whatsapp,genesys}). */
  ingestUrl: string | undefined;
  forwarderEnv: Record<string, string>;
  dispatcherEnv: Record<string, string>;
  mappings: { inbound: LocalEventSourceMapping; maintenance: LocalEventSourceMapping } | undefined;
  /** The dispatcher's mapping on the outbound queue (undefined with dispatchers: false). */
  outboundMapping: LocalEventSourceMapping | undefined;
  /** Sum of the dispatcher's batch summaries since the stack started. */
  outboundTally(): DispatcherTally;
  /** Sum of the forwarder's batch summaries since the stack started. */
  tally(): ForwarderTally;
  /** Runs the token refresher bundle once (as its schedule does). */
  refreshToken(): Promise<{ refreshed: boolean; reason: string }>;
  /** A dispatcher runner on the outbound queue (another one, or the first with dispatchers: false, e.g. once a backlog is queued). */
  startDispatchers(mapping?: Partial<MappingSettings>): Promise<LocalEventSourceMapping>;
  /** An extra pair of forwarder runners (another "fleet"), e.g. to show that every instance shares one token. */
  startForwarders(mapping?: Partial<MappingSettings>): Promise<{ inbound: LocalEventSourceMapping; maintenance: LocalEventSourceMapping; stop(): Promise<void> }>;
  /** Resolves when the inbound, maintenance and outbound queues are empty and no batch is in flight. */
  drained(options?: { timeoutMs?: number }): Promise<void>;
  summary(): Promise<MessagingSummary>;
  stop(): Promise<void>;
}

/** Lambda's FIFO mapping settings from the module's variables: no batching window on FIFO. */
/** The module's mapping of a consumer (forwarder_* or dispatcher_* variables): FIFO, so no batching window. */
function moduleMappingSettings(consumer: 'forwarder' | 'dispatcher', defaults: MessagingDefaults, overrides: Partial<MappingSettings>): MappingSettings {
  return {
    batchSize: defaults[`${consumer}_batch_size`],
    batchingWindowMs: 0,
    maxConcurrency: defaults[`${consumer}_maximum_concurrency`],
    functionTimeoutMs: defaults[`${consumer}_timeout_seconds`] * 1000,
    ...overrides,
  };
}

/** The forwarder's mappings on the inbound and maintenance queues. */
export const forwarderMappingSettings = (defaults: MessagingDefaults, overrides: Partial<MappingSettings> = {}): MappingSettings => moduleMappingSettings('forwarder', defaults, overrides);

/** The dispatcher's mapping on the outbound queue. */
export const dispatcherMappingSettings = (defaults: MessagingDefaults, overrides: Partial<MappingSettings> = {}): MappingSettings => moduleMappingSettings('dispatcher', defaults, overrides);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startMessagingStack(options: MessagingStackOptions = {}): Promise<MessagingSession> {
  const stack = await provisionMessagingStack(options.overrides ? { overrides: options.overrides } : {});
  const d = stack.defaults;
  const genesys = await startGenesysDouble({
    clientId: LOCAL_GENESYS_CLIENT.clientId,
    clientSecret: LOCAL_GENESYS_CLIENT.clientSecret,
    integrationId: stack.integrationId,
    rateLimitPerMinute: options.genesys?.rateLimitPerMinute ?? d.genesys_rate_limit_per_minute,
    ...(options.genesys?.rateLimitWindowSeconds ? { rateLimitWindowSeconds: options.genesys.rateLimitWindowSeconds } : {}),
    ...(options.genesys?.tokenLifetimeSeconds ? { tokenLifetimeSeconds: options.genesys.tokenLifetimeSeconds } : {}),
    ...(options.genesys?.port ? { port: options.genesys.port } : {}),
  });
  const platform = await startPlatformDouble({
    credentials: LOCAL_PLATFORM_CREDENTIALS,
    ...(options.platformPort ? { port: options.platformPort } : {}),
    ...(options.platformSendLimits ? { sendLimits: options.platformSendLimits } : {}),
  });
  const forwarderEnv = forwarderEnvironment(stack, { genesysUrl: genesys.url, platformApis: platform.apiUrls }, options.forwarderEnv);
  const dispatcherEnv = dispatcherEnvironment(stack, { genesysUrl: genesys.url, platformApis: platform.apiUrls }, options.dispatcherEnv);
  const sqs = new SQSClient({});
  const dlqBaseline = await dlqDepth(sqs, stack);

  const tally = emptyForwarderTally();
  const outboundTally = emptyDispatcherTally();
  const runners: LocalEventSourceMapping[] = [];
  const logs: LogCapture = captureFunctionLogs(options.logFile ?? join(STATE_DIR, 'logs', 'messaging.log'), {
    ignoreRequest: (requestId) => runners.some((r) => r.timedOutRequests.has(requestId)),
    onSummary: (entry) => {
      const from = entry.forwarderTally as ForwarderTally | undefined;
      if (from) addForwarderTally(tally, from);
      const outbound = entry.dispatcherTally as DispatcherTally | undefined;
      if (outbound) addDispatcherTally(outboundTally, outbound);
    },
  });

  const refresher = await loadBundle<unknown, { refreshed: boolean; reason: string }>(TOKEN_REFRESHER_FUNCTION, tokenRefresherEnvironment(stack, genesys.url));
  const refreshToken = () => refresher({}, lambdaContext(`${d.name_prefix}-token-refresher`, 30_000, LOCAL_REGION, LOCAL_ACCOUNT));
  const refreshTimer = setInterval(() => void refreshToken().catch(() => undefined), options.tokenRefreshIntervalMs ?? d.token_refresh_rate_minutes * 60_000);
  refreshTimer.unref();

  const startForwarders = async (mapping: Partial<MappingSettings> = {}) => {
    const settings = forwarderMappingSettings(d, { ...options.mapping, ...mapping });
    const make = (queue: { url: string; arn: string }) =>
      new LocalEventSourceMapping(sqs, queue, () => loadBundle<SQSEvent, SQSBatchResponse>(FORWARDER_FUNCTION, forwarderEnv), settings, {
        functionName: forwarderEnv.AWS_LAMBDA_FUNCTION_NAME!,
        region: LOCAL_REGION,
        account: LOCAL_ACCOUNT,
      });
    const pair = { inbound: make(stack.queues.inbound), maintenance: make(stack.queues.maintenance) };
    runners.push(pair.inbound, pair.maintenance);
    await pair.inbound.start();
    await pair.maintenance.start();
    return { ...pair, stop: async () => void (await Promise.all([pair.inbound.stop(), pair.maintenance.stop()])) };
  };

  const startDispatchers = async (mapping: Partial<MappingSettings> = {}) => {
    const settings = dispatcherMappingSettings(d, { ...options.mapping, ...mapping });
    const runner = new LocalEventSourceMapping(sqs, stack.queues.outbound, () => loadBundle<SQSEvent, SQSBatchResponse>(DISPATCHER_FUNCTION, dispatcherEnv), settings, {
      functionName: dispatcherEnv.AWS_LAMBDA_FUNCTION_NAME!,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };

  let mappings: MessagingSession['mappings'];
  let outboundMapping: LocalEventSourceMapping | undefined;
  let ingest: IngestServer | undefined;
  try {
    // The refresher runs at start, as its schedule would before any message arrives.
    await refreshToken();
    if (options.forwarders !== false) mappings = await startForwarders();
    if (options.dispatchers !== false) outboundMapping = await startDispatchers();
    if (options.ingest !== false) ingest = await startIngestServer({ env: ingestEnvironment(stack), ...(options.ingestPort ? { port: options.ingestPort } : {}) });
  } catch (error) {
    clearInterval(refreshTimer);
    await Promise.all(runners.map((r) => r.stop()));
    logs.restore();
    await Promise.all([genesys.stop(), platform.stop()]);
    throw error;
  }

  const drained = async ({ timeoutMs = 600_000 } = {}) => {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (Date.now() < deadline) {
      const depths = await Promise.all([stack.queues.inbound, stack.queues.maintenance, stack.queues.outbound].map((q) => queueDepth(sqs, q.url)));
      const idle = depths.every((q) => q.visible + q.inFlight + q.delayed === 0) && runners.every((r) => r.inFlight === 0);
      quiet = idle ? quiet + 1 : 0;
      if (quiet >= 2) return;
      await sleep(250);
    }
    throw new Error(`the messaging queues did not drain within ${timeoutMs / 1000}s`);
  };

  return {
    stack,
    genesys,
    platform,
    ingestUrl: ingest?.url,
    forwarderEnv,
    dispatcherEnv,
    mappings,
    outboundMapping,
    outboundTally: () => outboundTally,
    tally: () => tally,
    refreshToken,
    startDispatchers,
    startForwarders,
    drained,
    summary: async () => ({ ...summarise(tally, (await dlqDepth(sqs, stack)) - dlqBaseline), outbound: { ...outboundTally } }),
    stop: async () => {
      clearInterval(refreshTimer);
      await ingest?.stop();
      await Promise.all(runners.map((r) => r.stop()));
      logs.restore();
      await Promise.all([genesys.stop(), platform.stop()]);
    },
  };
}

async function dlqDepth(sqs: SQSClient, stack: LocalMessagingStack): Promise<number> {
  const depths = await Promise.all([queueDepth(sqs, stack.queues.inbound.dlq.url), queueDepth(sqs, stack.queues.maintenance.dlq.url)]);
  return depths.reduce((sum, q) => sum + q.visible + q.inFlight + q.delayed, 0);
}

/** The drain summary; messages the redrive policy moved after maxReceiveCount carry no reason of ours: `retries-exhausted`. */
export function summarise(tally: ForwarderTally, dlqGrowth: number): Omit<MessagingSummary, 'outbound'> {
  const deadLettered: Record<string, number> = { ...(tally.deadLettered as Record<string, number>) };
  const ours = Object.values(deadLettered).reduce((sum, n) => sum + n, 0);
  if (dlqGrowth > ours) deadLettered['retries-exhausted'] = dlqGrowth - ours;
  return {
    received: tally.received,
    forwarded: tally.forwarded,
    duplicatesDropped: tally.duplicatesDropped,
    divertedToMaintenance: tally.divertedToMaintenance,
    deadLettered,
    rateLimited429: tally.rateLimited429,
    held: tally.held,
    circuitOpened: tally.circuitOpened,
  };
}
