// The fault suite's one table: a row per scenario, cells that hold a list
// (dead-lettered by reason, notes) wrap onto continuation lines.
import type { ScenarioResult } from './chaos-scenarios';

const HEADER = [
  'scenario',
  'events in',
  'projected',
  'stale',
  'duplicates',
  'dead-lettered (by reason)',
  'lost',
  'double-applied',
  'projection == oracle',
  'wall s',
  'DynamoDB calls/event',
  'notes',
];

function cells(r: ScenarioResult): string[][] {
  const reasons = Object.entries(r.deadLettered).sort(([a], [b]) => a.localeCompare(b));
  const total = reasons.reduce((sum, [, n]) => sum + n, 0);
  return [
    [r.scenario],
    [String(r.eventsIn)],
    [String(r.projected)],
    [String(r.stale)],
    [`${r.duplicates} of ${r.duplicatesSent}`],
    reasons.length <= 1 ? [reasons.length === 0 ? '0' : `${reasons[0]![0]} ${reasons[0]![1]}`] : [`${total} in all:`, ...reasons.map(([reason, n]) => `  ${reason} ${n}`)],
    [String(r.lost)],
    [String(r.doubleApplied)],
    [r.oracleMatch ? 'yes' : 'NO'],
    [r.wallSeconds.toFixed(1)],
    [r.dynamoDbCallsPerEvent.toFixed(2)],
    r.notes.length === 0 ? [''] : r.notes,
  ];
}

export function formatTable(results: ScenarioResult[]): string {
  const rows = results.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.flatMap((row) => row[i]!.map((line) => line.length))));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd();
  const out = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('-|-')];
  for (const row of rows) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let n = 0; n < height; n++) out.push(line(row.map((cell) => cell[n] ?? '')));
  }
  return out.join('\n');
}
