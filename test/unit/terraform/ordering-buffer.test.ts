// The ordering buffer's Terraform (modules/ordering-buffer and its wiring):
// off by default with no trace in the consumer; on, the consumer gains only
// the buffer write and the trigger send; the queues have the FIFO semantics
// the release relies on; the local stack reads the same values.
import { describe, expect, it } from 'vitest';
import { loadStackSpec } from '../../../shared/config/stack-spec';
import { loadTerraform } from '../../../scripts/terraform/fixtures';
import { plain } from '../../../scripts/terraform/expressions';
import { allResources, blocks, type ModuleInstance } from '../../../scripts/terraform/model';
import { compareWithStackSpec } from '../../../scripts/terraform/source-of-truth';
import { checkAllContracts } from '../../../scripts/terraform/contracts';

const consumerEnvironment = (root: ModuleInstance) => {
  const fn = allResources(root, 'aws_lambda_function').find((f) => f.arg('function_name') === 'genesys-events-consumer')!;
  return plain(fn.eval(blocks(fn.block.body, 'environment')[0]?.variables ?? {})) as Record<string, unknown>;
};

const statements = (root: ModuleInstance, doc: string) => {
  const d = allResources(root, 'aws_iam_policy_document', 'data').find((r) => r.name === doc && r.module.name === 'module.consumer')!;
  return blocks(d.block.body, 'statement').map((s) => ({ sid: d.eval(s.sid), actions: plain(d.eval(s.actions)) }));
};

describe('ordering buffer Terraform', async () => {
  const { root: off } = await loadTerraform();
  const { root: on } = await loadTerraform([], { ordering_enabled: true, ordering_hold_seconds: 30, ordering_late_events: 'drop' });
  const { root: onWithDefaults, files } = await loadTerraform([], { ordering_enabled: true });

  it.each(checkAllContracts(onWithDefaults, files).map((c) => [c.name, c.violations]))('with it on, the contract "%s" holds', (_name, violations) => {
    expect(violations).toEqual([]);
  });

  it('with it on, the contracts see its queues, mapping and function', () => {
    const names = allResources(onWithDefaults, 'aws_sqs_queue').map((q) => String(q.arg('name')));
    expect(names).toEqual(expect.arrayContaining(['genesys-events-ordering-release.fifo', 'genesys-events-ordered-feed.fifo']));
    expect(allResources(onWithDefaults, 'aws_lambda_event_source_mapping').length).toBeGreaterThanOrEqual(2);
  });

  it('is off by default: no ordering resource, the consumer has no ORDERING_* variable, and its ordering policy is not attached', () => {
    expect(off.variable('ordering_enabled')).toBe(false);
    expect(allResources(off, 'aws_sqs_queue').map((q) => String(q.arg('name'))).filter((n) => n.includes('order'))).toEqual([]);
    expect(Object.keys(consumerEnvironment(off)).filter((k) => k.startsWith('ORDERING_'))).toEqual([]);
    expect(off.child('consumer').mod.resources.get('aws_iam_role_policy.ordering')?.body.count).toMatch(/var\.ordering == null \? 0 : 1/);
    expect(off.mod.modules.get('ordering_buffer')?.body.count).toMatch(/var\.ordering_enabled \? 1 : 0/);
  });

  it('on, the consumer gets the buffer table, release queue and hold, and may only PutItem and SendMessage there', () => {
    expect(Object.keys(consumerEnvironment(on)).filter((k) => k.startsWith('ORDERING_')).sort()).toEqual(['ORDERING_BUFFER_TABLE', 'ORDERING_HOLD_SECONDS', 'ORDERING_RELEASE_QUEUE_URL']);
    expect(consumerEnvironment(on).ORDERING_HOLD_SECONDS).toBe('30');
    expect(statements(on, 'ordering')).toEqual([
      { sid: 'BufferAcceptedEvents', actions: ['dynamodb:PutItem'] },
      { sid: 'TriggerReleases', actions: ['sqs:SendMessage'] },
    ]);
  });

  it('release queue and feed are FIFO with explicit deduplication ids; the hold window is the release queue delay; redrive under 5 minutes', () => {
    const queue = (suffix: string) => allResources(on, 'aws_sqs_queue').find((q) => q.arg('name') === `genesys-events-${suffix}`)!;
    for (const name of ['ordering-release.fifo', 'ordering-release-dlq.fifo', 'ordered-feed.fifo', 'ordered-feed-dlq.fifo']) {
      expect(queue(name).arg('fifo_queue'), name).toBe(true);
      expect(queue(name).arg('content_based_deduplication'), name).toBe(false);
    }
    expect(queue('ordering-release.fifo').arg('delay_seconds')).toBe(30);
    // A crashed release is retried within SQS FIFO's 5-minute deduplication interval.
    expect(queue('ordering-release.fifo').arg('visibility_timeout_seconds')).toBeLessThan(300);
    const fn = allResources(on, 'aws_lambda_function').find((f) => f.arg('function_name') === 'genesys-events-ordering-release')!;
    expect(plain(fn.eval(blocks(fn.block.body, 'environment')[0]!.variables)) as Record<string, unknown>).toMatchObject({ ORDERING_LATE_EVENTS: 'drop', ORDERING_HOLD_SECONDS: '30' });
  });

  it('has alarms on the feed\'s oldest message and on late events, and metric filters the README names', () => {
    const alarms = allResources(on, 'aws_cloudwatch_metric_alarm').map((a) => String(a.arg('alarm_name')));
    expect(alarms).toEqual(expect.arrayContaining(['genesys-events-ordered-feed-oldest-message', 'genesys-events-ordering-late-events']));
    const metrics = allResources(on, 'aws_cloudwatch_log_metric_filter').map((f) => plain(f.eval(blocks(f.block.body, 'metric_transformation')[0]!.name)));
    expect(metrics.sort()).toEqual(['ArrivalDisorderMs', 'LateEvents', 'LateEvents']);
  });

  it('agrees with the local stack (names, FIFO, hold, timeouts), and a drift is reported', async () => {
    const spec = await loadStackSpec();
    expect(compareWithStackSpec(off, spec)).toEqual([]);
    expect(compareWithStackSpec(onWithDefaults, spec)).toEqual([]);
    expect(compareWithStackSpec(on, spec)).toEqual([
      `release queue delay (the hold window): Terraform has 30, the local stack ${spec.ordering.holdSeconds}`,
      `release environment ORDERING_HOLD_SECONDS: Terraform has "30", the local stack "${spec.ordering.holdSeconds}"`,
      `release environment ORDERING_LATE_EVENTS: Terraform has "drop", the local stack "${spec.ordering.lateEvents}"`,
    ]);
  });
});
