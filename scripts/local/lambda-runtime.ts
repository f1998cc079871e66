// Loads an esbuild bundle from dist/ the way Lambda does (an ES module with an
// exported handler) and gives it a Lambda-like context. Each load is a cold
// start: a fresh module instance with its own clients and singletons.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { ROOT } from './moto';

export type BundleHandler<E, R> = (event: E, context: Context) => Promise<R>;

let loads = 0;

/** `distDir`: where the bundles are (default dist/; a test builds a variant, e.g. another topic catalogue, elsewhere). */
export async function loadBundle<E, R>(functionName: string, env: Record<string, string>, distDir = join(ROOT, 'dist')): Promise<BundleHandler<E, R>> {
  const file = join(distDir, functionName, 'index.mjs');
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run \`make build\` (or npm run build) first.`);
  }
  // Module-scope code reads the environment at import, as in Lambda's init phase.
  Object.assign(process.env, env);
  const mod = (await import(`${pathToFileURL(file).href}?coldStart=${++loads}`)) as { handler?: BundleHandler<E, R> };
  if (typeof mod.handler !== 'function') throw new Error(`${file} exports no handler function.`);
  return mod.handler;
}

export function lambdaContext(functionName: string, timeoutMs: number, region: string, account: string): Context {
  const deadline = Date.now() + timeoutMs;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
