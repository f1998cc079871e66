// The deployed pipeline (Terraform) and the local one (scripts/local, from
// shared/config/stack-spec.ts) describe the same thing; change one side only
// and this fails.
import { describe, expect, it } from 'vitest';
import { loadStackSpec } from '../../../shared/config/stack-spec';
import { RULE_TARGET_RETRY } from '../../../scripts/local/provision';
import { compareWithStackSpec } from '../../../scripts/terraform/source-of-truth';
import { loadTerraform } from '../../../scripts/terraform/fixtures';
import { allResources } from '../../../scripts/terraform/model';
import { DEFAULT_BREAKER } from '../../../shared/resilience/circuit-breaker';

describe('Terraform and the local stack agree', async () => {
  const spec = await loadStackSpec();
  const { root } = await loadTerraform();

  it('on rules, queues, tables, the consumer and its mapping', () => {
    expect(compareWithStackSpec(root, spec, RULE_TARGET_RETRY)).toEqual([]);
  });

  it("and the consumer's own circuit-breaker fallbacks are the Terraform defaults", () => {
    const d = spec.defaults;
    expect(DEFAULT_BREAKER).toEqual({
      failureThreshold: d.breaker_failure_threshold,
      windowSeconds: d.breaker_window_seconds,
      minimumRps: d.breaker_minimum_rps,
      halfOpenAfterSeconds: d.breaker_half_open_after_seconds,
    });
  });

  it('Terraform loads the pattern files itself (fileset/file), one rule per file', () => {
    expect(root.mod.locals.get('event_patterns')?.expr).toMatch(/fileset\("\$\{path\.module\}\/event-patterns", "\*\.json"\)/);
    expect(allResources(root, 'aws_cloudwatch_event_rule').map((r) => r.key)).toEqual(spec.rules.map((r) => r.family));
  });

  it('except for the bus name: the partner source name on AWS, a name without "/" locally (moto breaks on it)', () => {
    const bus = allResources(root, 'aws_cloudwatch_event_bus')[0]!;
    expect(bus.arg('name')).toBe('aws.partner/genesys.com/cloud/0a1b2c3d-0000-4000-8000-000000000000/contract-tests');
    expect(bus.arg('event_source_name')).toBe(bus.arg('name'));
    expect(spec.busName).not.toContain('/');
  });
});

describe('a disagreement is reported', async () => {
  const spec = await loadStackSpec();

  it('when Terraform uses another maxReceiveCount or batch size than the local stack', async () => {
    const { root } = await loadTerraform([], { buffer_max_receive_count: 7, consumer_batch_size: 25 });
    expect(compareWithStackSpec(root, spec)).toEqual([
      `buffer maxReceiveCount: Terraform has 7, the local stack ${spec.bufferQueue.maxReceiveCount}`,
      'consumer environment BUFFER_MAX_RECEIVE_COUNT: Terraform has "7", the local stack "5"',
      `mapping batch size: Terraform has 25, the local stack ${spec.defaults.consumer_batch_size}`,
    ]);
  });

  it('when a table key, the TTL attribute or a queue name is hard-coded differently', async () => {
    const { root } = await loadTerraform([
      { file: 'terraform/modules/consumer/tables.tf', from: 'attribute_name = "expiration"', to: 'attribute_name = "expires_at"' },
      { file: 'terraform/modules/event-ingest/main.tf', from: 'name                      = "${var.name_prefix}-target-dlq"', to: 'name                      = "${var.name_prefix}-events-dlq"' },
    ]);
    const mismatches = compareWithStackSpec(root, spec);
    expect(mismatches).toContain('genesys-events-idempotency TTL attribute: Terraform has "expires_at", the local stack "expiration"');
    expect(mismatches).toContain('no aws_sqs_queue named genesys-events-target-dlq (a local DLQ)');
  });

  it('when the breaker settings the function gets differ from the local stack', async () => {
    const { root } = await loadTerraform([], { breaker_failure_threshold: 0.8 });
    expect(compareWithStackSpec(root, spec)).toEqual([
      `consumer environment BREAKER_FAILURE_THRESHOLD: Terraform has "0.8", the local stack "${spec.defaults.breaker_failure_threshold}"`,
    ]);
  });

  it('when the local target retry policy drifts from the Terraform default', async () => {
    const { root } = await loadTerraform();
    const drifted = { ...RULE_TARGET_RETRY, MaximumRetryAttempts: RULE_TARGET_RETRY.MaximumRetryAttempts + 1 };
    expect(compareWithStackSpec(root, spec, drifted)).toHaveLength(5);
  });
});
