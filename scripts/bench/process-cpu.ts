// CPU time of a process by id, to tell which component bounds a bench run
// (moto is one Python process whose threads share the GIL: busy close to one
// core, it is the ceiling whatever the code under test does).
import { readFileSync } from 'node:fs';

/** utime + stime of a process, ms (Linux /proc; undefined elsewhere). */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
