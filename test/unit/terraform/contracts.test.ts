// The properties the design relies on (design §4, §6), checked on the
// evaluated Terraform; each is also shown to fail on a broken copy.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkAllContracts,
  checkEncryptionAtRest,
  checkEventArchives,
  checkIamWildcards,
  checkRedrivePolicies,
  checkRuleQueuePolicies,
  checkRuleTargets,
  checkSqsMappings,
  checkVisibilityTimeouts,
} from '../../../scripts/terraform/contracts';
import { loadTerraform } from '../../../scripts/terraform/fixtures';
import { TERRAFORM_DIR } from '../../../scripts/terraform/hcl';

const EVENT_INGEST = 'terraform/modules/event-ingest/main.tf';
const CONSUMER = 'terraform/modules/consumer/main.tf';

describe('contracts hold for the Terraform as written', async () => {
  const { root, files } = await loadTerraform();
  it.each(checkAllContracts(root, files).map((c) => [c.name, c.violations]))('%s', (_name, violations) => {
    expect(violations).toEqual([]);
  });

  it('find what they check (a contract over nothing proves nothing)', () => {
    const count = (type: string) => root.all().flatMap((m) => m.resources()).filter((r) => r.type === type).length;
    const families = readdirSync(join(TERRAFORM_DIR, 'event-patterns')).filter((f) => f.endsWith('.json')).length;
    expect(count('aws_sqs_queue')).toBeGreaterThanOrEqual(3);
    expect(count('aws_cloudwatch_event_rule')).toBe(families);
    expect(count('aws_cloudwatch_event_target')).toBe(families);
    expect(count('aws_lambda_event_source_mapping')).toBeGreaterThanOrEqual(1);
    expect(count('aws_dynamodb_table')).toBeGreaterThanOrEqual(2);
    expect(count('aws_iam_role')).toBeGreaterThanOrEqual(1);
    expect(count('aws_cloudwatch_event_archive')).toBe(1);
  });

  it.each([3, 30, 900])('visibility stays >= 6x the timeout for consumer_timeout_seconds = %i', async (timeout) => {
    const { root: r } = await loadTerraform([], { consumer_timeout_seconds: timeout });
    expect(checkVisibilityTimeouts(r)).toEqual([]);
  });
});

describe('contracts fail on a broken copy', () => {
  it('a buffer queue without a redrive policy', async () => {
    const { root } = await loadTerraform([
      {
        file: EVENT_INGEST,
        from: /\n  redrive_policy = jsonencode\(\{\n[^}]*\}\)\n/,
        to: '\n',
      },
    ]);
    expect(checkRedrivePolicies(root)).toEqual([
      expect.stringMatching(/^terraform\/modules\/event-ingest\/main\.tf:\d+: module\.event_ingest\.aws_sqs_queue\.buffer: buffer queue has no redrive_policy/),
    ]);
  });

  it('a redrive policy without maxReceiveCount', async () => {
    const { root } = await loadTerraform([{ file: EVENT_INGEST, from: '    maxReceiveCount     = var.buffer_max_receive_count\n', to: '' }]);
    expect(checkRedrivePolicies(root)).toEqual([expect.stringMatching(/maxReceiveCount must be a number >= 1/)]);
  });

  it('a visibility timeout below 6x the function timeout', async () => {
    const { root } = await loadTerraform([{ file: EVENT_INGEST, from: 'var.consumer_timeout_seconds * 6', to: 'var.consumer_timeout_seconds * 5' }]);
    expect(checkVisibilityTimeouts(root)).toEqual([expect.stringMatching(/aws_sqs_queue\.buffer: visibility timeout 150 s is below 6 x the consumer timeout \(30 s => 180 s\)/)]);
  });

  it('an SQS mapping that does not report batch item failures', async () => {
    const { root } = await loadTerraform([{ file: CONSUMER, from: 'function_response_types = ["ReportBatchItemFailures"]', to: 'function_response_types = []' }]);
    expect(checkSqsMappings(root)).toEqual([expect.stringMatching(/consumer\/main\.tf:\d+: module\.consumer\.aws_lambda_event_source_mapping\.buffer: SQS mapping without function_response_types/)]);
  });

  it('a rule target without a DLQ or a retry policy', async () => {
    const { root } = await loadTerraform([
      { file: EVENT_INGEST, from: /\n  dead_letter_config \{\n    arn = aws_sqs_queue\.target_dlq\.arn\n  \}\n/, to: '\n' },
      { file: EVENT_INGEST, from: /\n  retry_policy \{\n[^}]*\}\n/, to: '\n' },
    ]);
    const violations = checkRuleTargets(root);
    expect(violations).toHaveLength(10);
    expect(violations).toContainEqual(expect.stringMatching(/aws_cloudwatch_event_target\.buffer\["audits"\]: rule target without dead_letter_config/));
    expect(violations).toContainEqual(expect.stringMatching(/aws_cloudwatch_event_target\.buffer\["catch-all"\]: rule target without retry_policy/));
  });

  it('an unbounded retry policy', async () => {
    const { root } = await loadTerraform([], { rule_target_max_retry_attempts: 500 });
    expect(checkRuleTargets(root)).toContainEqual(expect.stringMatching(/maximum_retry_attempts must be 0-185 \(got 500\)/));
  });

  it('a wildcard resource without a reason', async () => {
    const { files } = await loadTerraform([
      { file: 'terraform/modules/consumer/iam.tf', from: 'resources = [aws_dynamodb_table.projection.arn]', to: 'resources = ["*"]' },
    ]);
    expect(checkIamWildcards(files)).toEqual([
      expect.stringMatching(/^terraform\/modules\/consumer\/iam\.tf:\d+: data\.aws_iam_policy_document\.consumer statement ProjectEvents: "\*" in resources has a wildcard/),
    ]);
  });

  it('a wildcard action without a reason', async () => {
    const { files } = await loadTerraform([{ file: 'terraform/modules/consumer/iam.tf', from: 'actions   = ["sqs:SendMessage"]', to: 'actions   = ["sqs:*"]' }]);
    expect(checkIamWildcards(files)).toEqual([expect.stringMatching(/statement DeadLetterPoisonMessages: "sqs:\*" in actions has a wildcard/)]);
  });

  it('a policy written as inline JSON', async () => {
    const { files } = await loadTerraform([
      { file: 'terraform/modules/consumer/iam.tf', from: 'policy = data.aws_iam_policy_document.consumer.json', to: 'policy = jsonencode({ Version = "2012-10-17", Statement = [] })' },
    ]);
    expect(checkIamWildcards(files)).toEqual([expect.stringMatching(/aws_iam_role_policy\.consumer: policy must be data\.aws_iam_policy_document/)]);
  });

  it('a queue and a table without encryption', async () => {
    const { root } = await loadTerraform([
      { file: EVENT_INGEST, from: /(name\s+= "\$\{var\.name_prefix\}-target-dlq"\n\s+message_retention_seconds = local\.dlq_retention_seconds\n\s+)sqs_managed_sse_enabled   = true/, to: '$1sqs_managed_sse_enabled   = false' },
      { file: 'terraform/modules/consumer/tables.tf', from: /(resource "aws_dynamodb_table" "idempotency"[\s\S]*?server_side_encryption \{\n\s+)enabled     = true/, to: '$1enabled     = false' },
    ]);
    expect(checkEncryptionAtRest(root)).toEqual([
      expect.stringMatching(/aws_sqs_queue\.target_dlq: queue without server-side encryption/),
      expect.stringMatching(/aws_dynamodb_table\.idempotency: table without server_side_encryption/),
    ]);
  });

  it('a queue policy that lets any source send', async () => {
    const { root } = await loadTerraform([{ file: EVENT_INGEST, from: /(sid       = "GenesysRulesSendEvents"[\s\S]*?)\n    condition \{\n      test     = "ArnEquals"\n      variable = "aws:SourceArn"\n      values   = local\.rule_arns\n    \}\n/, to: '$1\n' }]);
    expect(checkRuleQueuePolicies(root)).toEqual([expect.stringMatching(/data\.aws_iam_policy_document\.buffer: statement GenesysRulesSendEvents must allow only events\.amazonaws\.com .*rule condition: false/)]);
  });

  it('an event archive without encryption, filtered, or missing', async () => {
    const unencrypted = await loadTerraform([{ file: EVENT_INGEST, from: /\n\s+kms_key_identifier = var\.kms_key_arn/, to: '' }]);
    expect(checkEncryptionAtRest(unencrypted.root)).toEqual([expect.stringMatching(/aws_cloudwatch_event_archive\.genesys: event archive without kms_key_identifier/)]);
    const filtered = await loadTerraform([{ file: EVENT_INGEST, from: 'retention_days     = var.archive_retention_days', to: 'retention_days     = 0\n  event_pattern      = jsonencode({ "detail-type" = ["v2.users.{id}.presence"] })' }]);
    expect(checkEventArchives(filtered.root)).toEqual([
      expect.stringMatching(/aws_cloudwatch_event_archive\.genesys: archive with an event_pattern/),
      expect.stringMatching(/aws_cloudwatch_event_archive\.genesys: archive without retention_days >= 1/),
    ]);
    const missing = await loadTerraform([{ file: EVENT_INGEST, from: 'event_source_arn   = aws_cloudwatch_event_bus.genesys.arn', to: 'event_source_arn   = "arn:aws:events:us-east-1:123456789012:event-bus/other"' }]);
    expect(checkEventArchives(missing.root)).toEqual([expect.stringMatching(/aws_cloudwatch_event_bus\.genesys: partner bus without an aws_cloudwatch_event_archive/)]);
  });
});
