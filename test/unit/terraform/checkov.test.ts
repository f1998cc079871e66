// Policy checks: checkov (pinned in requirements.txt, installed into .venv by
// scripts/python-env.sh) passes on terraform/, and every check it skips is
// skipped in the code with a reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTerraformFiles, REPO_ROOT, rel, TERRAFORM_DIR } from '../../../scripts/terraform/hcl';

const CHECKOV = join(REPO_ROOT, '.venv', 'bin', 'checkov');

interface CheckovCheck {
  check_id: string;
  resource: string;
  file_path: string;
  file_line_range: [number, number];
  check_result: { result: string; suppress_comment?: string };
}
interface CheckovReport {
  summary: { passed: number; failed: number; skipped: number; parsing_errors: number };
  results: { passed_checks: CheckovCheck[]; failed_checks: CheckovCheck[]; skipped_checks: CheckovCheck[] };
}

function runCheckov(dir: string): CheckovReport {
  const run = spawnSync(CHECKOV, ['-d', dir, '--framework', 'terraform', '--skip-download', '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LOG_LEVEL: 'WARNING' },
  });
  if (run.error) throw run.error;
  const parsed = JSON.parse(run.stdout) as CheckovReport | CheckovReport[];
  const report = Array.isArray(parsed) ? parsed.find((r) => 'results' in r)! : parsed;
  if (!report?.results) throw new Error(`checkov scanned nothing in ${dir}: ${run.stdout.slice(0, 500)} ${run.stderr.slice(0, 500)}`);
  return report;
}

const describeFailures = (checks: CheckovCheck[]) => checks.map((c) => `${c.check_id} ${c.resource} (${c.file_path}:${c.file_line_range[0]})`);

describe('checkov', () => {
  let scratch: string;
  beforeAll(() => {
    // First run installs the pinned checkov into .venv (minutes); later runs return at once.
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'python-env.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    scratch = mkdtempSync(join(tmpdir(), 'checkov-broken-'));
  }, 900_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes on terraform/ with no failed check', () => {
    const report = runCheckov(TERRAFORM_DIR);
    expect(report.summary.parsing_errors).toBe(0);
    expect(describeFailures(report.results.failed_checks)).toEqual([]);
    expect(report.summary.passed).toBeGreaterThan(50);
    // Each skip carries the reason written next to it in the code.
    for (const skipped of report.results.skipped_checks) {
      expect(skipped.check_result.suppress_comment ?? '', `${skipped.check_id} ${skipped.resource}`).toMatch(/\S.{20,}/);
    }
  }, 120_000);

  it('skips checks only inline, each with a reason', () => {
    const skips = listTerraformFiles().flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, where: `${rel(f)}:${i + 1}` }))
        .filter(({ line }) => /checkov:skip/.test(line)),
    );
    expect(skips.length).toBeGreaterThan(0);
    for (const { line, where } of skips) expect(line, where).toMatch(/#checkov:skip=CKV2?_[A-Z0-9]+_\d+:\s*\S.{20,}/);
  });

  it('fails on a broken copy: a queue without encryption', () => {
    const copy = join(scratch, 'terraform');
    cpSync(TERRAFORM_DIR, copy, { recursive: true, filter: (src) => !src.includes('.terraform') });
    const file = join(copy, 'modules', 'event-ingest', 'main.tf');
    const text = readFileSync(file, 'utf8');
    const broken = text.replace(/(resource "aws_sqs_queue" "target_dlq" \{[\s\S]*?)\n  sqs_managed_sse_enabled   = true/, '$1');
    expect(broken).not.toBe(text);
    writeFileSync(file, broken);
    const report = runCheckov(copy);
    expect(report.results.failed_checks.map((c) => `${c.check_id} ${c.resource}`)).toContain('CKV_AWS_27 module.event_ingest.aws_sqs_queue.target_dlq');
  }, 120_000);
});
