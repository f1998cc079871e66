// Lambda sends a function's stdout and stderr to CloudWatch Logs; locally the
// bundle runs in this process, so its JSON log lines are captured here:
// written to a log file instead of the terminal, and the consumer's
// "batch summary" lines summed into a tally (what a CloudWatch Logs Insights
// query would do). Lines that are not JSON logs pass through untouched.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { addTally, emptyTally, type BatchTally } from '../../shared/consumer/tally';
import { addReleaseTally, emptyReleaseTally, type ReleaseTally } from '../../shared/ordering/release-batch';

export interface LogCapture {
  tally: BatchTally;
  /** The ordering release function's "release batch summary" lines, summed. */
  release: ReleaseTally;
  /** Log lines at warn or error level seen so far (bounded). */
  problems: string[];
  restore(): void;
}

export function captureFunctionLogs(
  file: string,
  options: {
    passthrough?: boolean;
    ignoreRequest?: (requestId: string) => boolean;
    /** Every counted "batch summary" entry, for functions whose summary is not the consumer's tally (the messaging forwarder). */
    onSummary?: (entry: Record<string, unknown>) => void;
  } = {},
): LogCapture {
  mkdirSync(dirname(file), { recursive: true });
  const tally = emptyTally();
  const release = emptyReleaseTally();
  const problems: string[] = [];
  const isFunctionLog = (line: string): boolean => {
    if (!line.startsWith('{')) return false;
    try {
      const entry = JSON.parse(line) as { message?: string; level?: string; tally?: BatchTally; release?: ReleaseTally; service?: string; function_request_id?: string };
      if (entry.level === undefined || entry.service === undefined) return false;
      // A timed-out invocation is killed on Lambda before it could log its summary.
      const abandoned = entry.function_request_id !== undefined && options.ignoreRequest?.(entry.function_request_id) === true;
      if (entry.message === 'batch summary' && !abandoned) {
        if (entry.tally) addTally(tally, entry.tally);
        options.onSummary?.(entry as Record<string, unknown>);
      }
      if (entry.message === 'release batch summary' && entry.release && !abandoned) addReleaseTally(release, entry.release);
      if ((entry.level === 'WARN' || entry.level === 'ERROR') && problems.length < 200) problems.push(line);
      appendFileSync(file, `${line}\n`);
      return true;
    } catch {
      return false;
    }
  };
  const restores = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    let pending = '';
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      const passOn = lines.filter((line) => !isFunctionLog(line) || options.passthrough);
      if (passOn.length > 0) return original(`${passOn.join('\n')}\n`, ...(rest as []));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = original;
      if (pending) original(pending);
    };
  });
  return {
    tally,
    release,
    problems,
    restore: () => restores.forEach((restore) => restore()),
  };
}
