// Every resource and data block uses only arguments and blocks that exist in
// the hashicorp/aws schema of the pinned major version, and sets the required
// ones (what `terraform validate` checks, without Terraform or providers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgainstSchema, formatFinding, loadProviderSchema } from '../../../scripts/terraform/schema-check';
import { listTerraformFiles, parseTerraformFile, parseTerraformSource, REPO_ROOT } from '../../../scripts/terraform/hcl';
import { editedSources, type Edit } from '../../../scripts/terraform/fixtures';

const schema = loadProviderSchema();

async function checkWith(edits: Edit[]) {
  const sources = editedSources(edits);
  const files = await Promise.all(listTerraformFiles().map((p) => (sources.has(p) ? parseTerraformSource(p, sources.get(p)!) : parseTerraformFile(p))));
  return checkAgainstSchema(files, schema).findings.map(formatFinding);
}

describe('provider schema', () => {
  it('comes from @cdktn/provider-aws 24.x, generated from hashicorp/aws 6.x', () => {
    expect(schema.source.package).toBe('@cdktn/provider-aws');
    expect(schema.source.packageVersion).toMatch(/^24\./);
    expect(schema.source.provider).toBe('registry.terraform.io/hashicorp/aws');
    expect(schema.source.providerVersion).toMatch(/^6\./);
  });

  it('is the major version every root and module pins', () => {
    const major = schema.source.providerVersion.split('.')[0];
    const [, minor] = schema.source.providerVersion.split('.');
    for (const file of ['terraform/versions.tf', 'terraform/genesys/versions.tf', 'terraform/modules/event-ingest/versions.tf', 'terraform/modules/consumer/versions.tf', 'terraform/modules/messaging-gateway/versions.tf']) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      const constraint = /aws = \{[^}]*version\s*=\s*"([^"]+)"/s.exec(text)?.[1];
      // "~> 6.45" allows 6.45 up to (not including) 7.0: the validated schema and newer 6.x.
      expect(constraint, file).toBe(`~> ${major}.${minor}`);
    }
  });
});

describe('resources and data sources', () => {
  it('use only arguments of the provider schema and set the required ones', async () => {
    const files = await Promise.all(listTerraformFiles().map(parseTerraformFile));
    const report = checkAgainstSchema(files, schema);
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.checked).toBeGreaterThan(30);
    // Only the Genesys Cloud provider's blocks are outside the AWS schema.
    expect(report.otherProviders).toEqual(['data.genesyscloud_organizations_me', 'resource.genesyscloud_conversations_messaging_integrations_open', 'resource.genesyscloud_integration']);
  });

  it('fail on a typo in an argument, naming the file, the line and the likely fix', async () => {
    const findings = await checkWith([{ file: 'terraform/modules/event-ingest/main.tf', from: '  redrive_policy = jsonencode({', to: '  redrive_polcy = jsonencode({' }]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(
      /^terraform\/modules\/event-ingest\/main\.tf:\d+: aws_sqs_queue\.buffer: unknown argument "redrive_polcy" in aws_sqs_queue \(not in the hashicorp\/aws 6\.\d+\.\d+ schema\); did you mean "redrive_policy"\?$/,
    );
    const line = Number(findings[0]!.split(':')[1]);
    expect(readFileSync(join(REPO_ROOT, 'terraform/modules/event-ingest/main.tf'), 'utf8').split('\n')[line - 1]).toContain('redrive_policy = jsonencode');
  });

  it('fail on an unknown argument inside a nested block', async () => {
    const findings = await checkWith([{ file: 'terraform/modules/consumer/main.tf', from: 'maximum_concurrency = var.max_concurrency', to: 'max_concurrency = var.max_concurrency' }]);
    expect(findings).toEqual([expect.stringMatching(/consumer\/main\.tf:\d+: aws_lambda_event_source_mapping\.buffer: unknown argument "max_concurrency" in block scaling_config/)]);
  });

  it('fail when a required argument is missing', async () => {
    const findings = await checkWith([{ file: 'terraform/modules/consumer/iam.tf', from: /\n  role   = aws_iam_role\.consumer\.id/, to: '' }]);
    expect(findings).toEqual([expect.stringMatching(/consumer\/iam\.tf:\d+: aws_iam_role_policy\.consumer: required argument "role" is missing/)]);
  });

  it('fail on a resource type the provider does not have', async () => {
    const findings = await checkWith([{ file: 'terraform/modules/dashboard/main.tf', from: 'resource "aws_cloudwatch_dashboard" "pipeline"', to: 'resource "aws_cloudwatch_dashbord" "pipeline"' }]);
    expect(findings).toEqual([expect.stringMatching(/dashboard\/main\.tf:\d+: aws_cloudwatch_dashbord\.pipeline: resource type "aws_cloudwatch_dashbord" is not in the hashicorp\/aws/)]);
  });
});
