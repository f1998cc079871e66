// Every .tf file parses and is formatted as `terraform fmt` would leave it.
import { readFileSync } from 'node:fs';
import { format } from '@cdktf/hcl-tools';
import { describe, expect, it } from 'vitest';
import { listTerraformFiles, parseTerraformSource, rel } from '../../../scripts/terraform/hcl';

const files = listTerraformFiles();

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, n) => line !== y[n]);
  return `line ${i + 1}:\n  is:        ${JSON.stringify(x[i])}\n  formatted: ${JSON.stringify(y[i])}`;
}

describe('Terraform files', () => {
  it('exist: the root, its modules and the Genesys root', () => {
    const dirs = new Set(files.map((f) => rel(f).split('/').slice(0, -1).join('/')));
    expect([...dirs]).toEqual(
      expect.arrayContaining([
        'terraform',
        'terraform/genesys',
        'terraform/modules/consumer',
        'terraform/modules/dashboard',
        'terraform/modules/encryption',
        'terraform/modules/event-ingest',
        'terraform/modules/genesys-integration',
        'terraform/modules/messaging-gateway',
      ]),
    );
  });

  it.each(files.map((f) => [rel(f), f]))('%s parses', async (_name, file) => {
    const parsed = await parseTerraformSource(file, readFileSync(file, 'utf8'));
    expect(parsed.json).toBeTypeOf('object');
  });

  it.each(files.map((f) => [rel(f), f]))('%s is formatted', async (name, file) => {
    const text = readFileSync(file, 'utf8');
    const formatted = await format(text);
    expect(formatted === text, `${name} is not formatted (terraform fmt), first difference at ${firstDifference(text, formatted)}`).toBe(true);
  });
});

describe('the checks themselves', () => {
  it('report a syntax error with the file and position', async () => {
    await expect(parseTerraformSource('/x/terraform/broken.tf', 'resource "aws_sqs_queue" "q" {\n  name = \n}\n')).rejects.toThrow(/broken\.tf:2/);
  });

  it('notice a misaligned argument', async () => {
    const text = 'resource "aws_sqs_queue" "q" {\n  name = "a"\n  delay_seconds = 1\n}\n';
    expect(await format(text)).not.toBe(text);
  });
});
