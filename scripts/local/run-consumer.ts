// The local event source mapping as a process of its own, so the chaos suite
// can kill it mid-batch (SIGKILL: no cleanup, as when a Lambda host dies) and
// start another. Reads the stack description from LOCAL_STACK_FILE and
// consumer overrides from CONSUMER_ENV_JSON; runs until the buffer is drained,
// then prints the replay summary as one JSON line.
import { readFileSync } from 'node:fs';
import { replayLines } from '../lib/replay';
import type { LocalStack } from './provision';

const stackFile = process.env.LOCAL_STACK_FILE;
if (!stackFile) {
  console.error('run-consumer: set LOCAL_STACK_FILE to a stack description written by the chaos suite or `local up`.');
  process.exit(2);
}
const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as LocalStack;
const consumerEnv = JSON.parse(process.env.CONSUMER_ENV_JSON ?? '{}') as Record<string, string>;
const summary = await replayLines(stack, [], { consumerEnv, ...(process.env.CONSUMER_LOG_FILE ? { logFile: process.env.CONSUMER_LOG_FILE } : {}) });
console.log(JSON.stringify(summary));
process.exit(0);
