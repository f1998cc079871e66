// The messaging gateway module (issue 9): FIFO queues with FIFO DLQs,
// visibility, mappings, encryption, lifecycle, least-privilege roles, the six
// routes and the environment each function reads; each contract also shown
// to fail on a broken copy.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAllContracts } from '../../../scripts/terraform/contracts';
import { loadTerraform } from '../../../scripts/terraform/fixtures';
import { messagingEnvReadBy } from '../../../scripts/terraform/env-reads';
import { plain } from '../../../scripts/terraform/expressions';
import { REPO_ROOT } from '../../../scripts/terraform/hcl';
import {
  apiRoutes,
  checkAttachmentLifecycle,
  checkForwarderMappings,
  checkLogGroupsInKeyPolicy,
  checkMessagingEncryption,
  checkMessagingQueues,
  checkMessagingVisibility,
  functionEnvironment,
  messagingModule,
  policyStatements,
} from '../../../scripts/terraform/messaging-contracts';
import { allResources, blocks } from '../../../scripts/terraform/model';
import { MESSAGING_ENV } from '../../../shared/messaging/contract';

const MODULE = 'terraform/modules/messaging-gateway';
const ENABLED = { messaging_enabled: true };

describe('messaging gateway: contracts hold with messaging_enabled = true', async () => {
  const { root, files } = await loadTerraform([], ENABLED);

  it.each(checkAllContracts(root, files).map((c) => [c.name, c.violations]))('%s (whole tree)', (_name, violations) => {
    expect(violations).toEqual([]);
  });

  it.each([
    ['every queue is FIFO with a FIFO DLQ, explicit deduplication, high throughput, SSE-KMS', checkMessagingQueues],
    ['visibility >= 6x the forwarder timeout', checkMessagingVisibility],
    ['forwarder mappings on inbound and maintenance with ReportBatchItemFailures', checkForwarderMappings],
    ['SSE with the project key on table, bucket, secrets, log groups, environments', checkMessagingEncryption],
    ['attachments expire within 2 days', checkAttachmentLifecycle],
    ['every KMS log group is in the key policy', checkLogGroupsInKeyPolicy],
  ])('%s', (_name, check) => {
    expect(check(root)).toEqual([]);
  });

  it('find what they check', () => {
    const m = messagingModule(root);
    const count = (type: string) => m.resources().filter((r) => r.type === type).length;
    expect(count('aws_sqs_queue')).toBe(6);
    expect(count('aws_lambda_function')).toBe(3);
    expect(count('aws_lambda_event_source_mapping')).toBe(2);
    expect(count('aws_secretsmanager_secret')).toBe(4);
    expect(count('aws_cloudwatch_log_group')).toBe(4);
  });

  it.each([3, 30, 900])('visibility stays >= 6x for forwarder_timeout_seconds = %i', async (timeout) => {
    const { root: r } = await loadTerraform([], { ...ENABLED, forwarder_timeout_seconds: timeout });
    expect(checkMessagingVisibility(r)).toEqual([]);
  });

  it('the API has exactly the six webhook routes, payload 2.0, and Lambda trusts only this API', () => {
    expect(apiRoutes(root)).toEqual(['GET /webhooks/whatsapp', 'POST /webhooks/genesys', 'POST /webhooks/line', 'POST /webhooks/telegram', 'POST /webhooks/viber', 'POST /webhooks/whatsapp']);
    const m = messagingModule(root);
    const integration = m.resources().find((r) => r.type === 'aws_apigatewayv2_integration')!;
    expect(integration.arg('payload_format_version')).toBe('2.0');
    expect(integration.arg('integration_type')).toBe('AWS_PROXY');
    const permission = m.resources().find((r) => r.type === 'aws_lambda_permission')!;
    expect(permission.block.body.source_arn).toBe('${aws_apigatewayv2_api.webhooks.execution_arn}/*/*/webhooks/*');
    const stage = m.resources().find((r) => r.type === 'aws_apigatewayv2_stage')!;
    const throttling = blocks(stage.block.body, 'default_route_settings')[0]!;
    expect([stage.eval(throttling.throttling_burst_limit), stage.eval(throttling.throttling_rate_limit)]).toEqual([500, 1000]);
    expect(blocks(stage.block.body, 'access_log_settings')).toHaveLength(1);
  });

  // Each role: exactly these statements (resources as written in iam.tf).
  const LOGS = (fn: string) => ({ sid: 'WriteOwnLogs', effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`\${aws_cloudwatch_log_group.function["${fn}"].arn}:log-stream:*`] });
  const XRAY = { sid: 'SendTraces', effect: 'Allow', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] };
  const KEY = { sid: 'UseProjectKey', effect: 'Allow', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['${var.kms_key_arn}'] };
  // Every function's role starts from data.aws_iam_policy_document.function_common[<function>].
  const COMMON = (fn: string) => [KEY, LOGS(fn), XRAY];
  it.each([
    [
      'ingest',
      [
        ...COMMON('ingest'),
        { sid: 'EnqueueWebhooks', effect: 'Allow', actions: ['sqs:SendMessage'], resources: ['${aws_sqs_queue.work["inbound"].arn}', '${aws_sqs_queue.work["outbound"].arn}'] },
        { sid: 'ReadWebhookSecrets', effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: ['${aws_secretsmanager_secret.webhook.arn}'] },
      ],
    ],
    [
      'forwarder',
      [
        ...COMMON('forwarder'),
        {
          sid: 'ConsumeInboundAndMaintenance',
          effect: 'Allow',
          actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
          resources: ['${aws_sqs_queue.work["inbound"].arn}', '${aws_sqs_queue.work["maintenance"].arn}'],
        },
        { sid: 'DivertAndDeadLetter', effect: 'Allow', actions: ['sqs:SendMessage'], resources: ['${aws_sqs_queue.dlq["inbound"].arn}', '${aws_sqs_queue.work["maintenance"].arn}'] },
        { sid: 'KeepForwarderState', effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: ['${aws_dynamodb_table.state.arn}'] },
        { sid: 'StoreAttachments', effect: 'Allow', actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resources: ['${aws_s3_bucket.attachments.arn}/*'] },
        {
          sid: 'ReadSecrets',
          effect: 'Allow',
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['${aws_secretsmanager_secret.genesys_oauth.arn}', '${aws_secretsmanager_secret.genesys_token.arn}', '${aws_secretsmanager_secret.platform_credentials.arn}'],
        },
        { sid: 'StoreSharedToken', effect: 'Allow', actions: ['secretsmanager:PutSecretValue'], resources: ['${aws_secretsmanager_secret.genesys_token.arn}'] },
      ],
    ],
    [
      'token_refresher',
      [
        ...COMMON('token-refresher'),
        { sid: 'ReadOAuthClientAndToken', effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: ['${aws_secretsmanager_secret.genesys_oauth.arn}', '${aws_secretsmanager_secret.genesys_token.arn}'] },
        { sid: 'StoreSharedToken', effect: 'Allow', actions: ['secretsmanager:PutSecretValue'], resources: ['${aws_secretsmanager_secret.genesys_token.arn}'] },
        { sid: 'HoldRefreshLease', effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resources: ['${aws_dynamodb_table.state.arn}'] },
      ],
    ],
    [
      'scheduler',
      [
        { sid: 'InvokeTokenRefresher', effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: ['${aws_lambda_function.token_refresher.arn}'] },
        { sid: 'DecryptSchedule', effect: 'Allow', actions: ['kms:Decrypt'], resources: ['${var.kms_key_arn}'] },
      ],
    ],
  ])('the %s role has exactly its statements', (doc, statements) => {
    expect(policyStatements(root, doc)).toEqual(statements);
  });

  // The MESSAGING_ENV names each function gets (values: the contract's names).
  const E = MESSAGING_ENV;
  it.each([
    ['ingest', [E.inboundQueueUrl, E.outboundQueueUrl, E.webhookSecretsArn, E.maxWebhookBytes]],
    [
      'forwarder',
      [
        E.inboundQueueUrl,
        E.maintenanceQueueUrl,
        E.inboundDlqUrl,
        E.genesysTokenSecretArn,
        E.platformCredentialsSecretArn,
        E.genesysOAuthSecretArn,
        E.genesysLoginUrl,
        E.stateTable,
        E.attachmentBucket,
        E.genesysApiUrl,
        E.genesysIntegrationId,
        E.rateLimitPerMinute,
        E.maxAttachmentBytes,
        E.attachmentUrlTtlSeconds,
        E.breakerFailureThreshold,
        E.breakerWindowSeconds,
        E.breakerHalfOpenAfterSeconds,
        E.lineDataApiUrl,
        E.telegramApiUrl,
        E.viberApiUrl,
        E.whatsappApiUrl,
      ],
    ],
    ['token_refresher', [E.genesysOAuthSecretArn, E.genesysTokenSecretArn, E.genesysLoginUrl, E.stateTable]],
  ])('the %s function gets exactly its MESSAGING_ENV settings', (fn, names) => {
    const contractNames = new Set<string>(Object.values(MESSAGING_ENV));
    const env = Object.keys(functionEnvironment(root, fn)).filter((n) => contractNames.has(n));
    expect(env.sort()).toEqual([...names].sort());
    const others = Object.keys(functionEnvironment(root, fn)).filter((n) => !contractNames.has(n));
    expect(others.sort()).toEqual(['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME']);
  });

  // What the code reads, for each messaging function in functions/ (the
  // bundles the module deploys): exactly the MESSAGING_ENV names Terraform sets.
  const BUNDLES: Record<string, string> = { 'messaging-ingest': 'ingest', 'messaging-forwarder': 'forwarder', 'messaging-token-refresher': 'token_refresher' };
  const present = readdirSync(join(REPO_ROOT, 'functions')).filter((d) => d in BUNDLES);
  it('covers the messaging functions in functions/', () => {
    expect(present).toContain('messaging-ingest');
  });
  it.each(present.map((d) => [d, BUNDLES[d]!]))('%s reads exactly the MESSAGING_ENV settings aws_lambda_function.%s gets', (dir, fn) => {
    const contractNames = new Set<string>(Object.values(MESSAGING_ENV));
    const set = Object.keys(functionEnvironment(root, fn)).filter((n) => contractNames.has(n)).sort();
    expect(set).toEqual(messagingEnvReadBy(dir));
  });

  it('the forwarder settings are the module defaults', () => {
    const env = functionEnvironment(root, 'forwarder');
    expect([env[E.rateLimitPerMinute], env[E.breakerFailureThreshold], env[E.breakerWindowSeconds], env[E.breakerHalfOpenAfterSeconds], env[E.attachmentUrlTtlSeconds], env[E.maxAttachmentBytes]]).toEqual([
      '300',
      '0.1',
      '30',
      '10',
      '3600',
      '26214400',
    ]);
  });

  it('the redrive workflow may work on the three messaging DLQs and their queues', () => {
    const redrive = root.all().find((m) => m.address.join('.') === 'dlq_redrive')!;
    const pairs = plain(redrive.variable('queue_pairs')) as Array<{ dlq_arn: string; source_arn: string }>;
    expect(pairs.map((p) => `${p.dlq_arn} -> ${p.source_arn}`)).toEqual([
      '<aws_sqs_queue.buffer_dlq.arn> -> <aws_sqs_queue.buffer.arn>',
      '<aws_sqs_queue.dlq.["inbound"].arn> -> <aws_sqs_queue.work.["inbound"].arn>',
      '<aws_sqs_queue.dlq.["outbound"].arn> -> <aws_sqs_queue.work.["outbound"].arn>',
      '<aws_sqs_queue.dlq.["maintenance"].arn> -> <aws_sqs_queue.work.["maintenance"].arn>',
    ]);
  });
});

describe('messaging gateway: off by default', async () => {
  const { root } = await loadTerraform();
  it('creates nothing and grants the redrive workflow the buffer only', () => {
    expect(root.all().map((m) => m.address.join('.'))).not.toContain('messaging_gateway');
    expect(allResources(root, 'aws_apigatewayv2_api')).toEqual([]);
    const redrive = root.all().find((m) => m.address.join('.') === 'dlq_redrive')!;
    expect(plain(redrive.variable('queue_pairs'))).toHaveLength(1);
  });
});

describe('messaging gateway: one source of defaults', async () => {
  const { root } = await loadTerraform([], ENABLED);
  const m = messagingModule(root);
  const call = root.mod.modules.get('messaging_gateway')!.body;

  // tags: the root tags everything through the provider's default_tags instead.
  it.each([...m.mod.variables.entries()].filter(([name, v]) => 'default' in v.body && name !== 'tags').map(([name]) => [name]))('%s: the root passes a root variable with the same default', (name) => {
    const passed = call[name];
    expect(typeof passed === 'string' && /^\$\{var\.[\w]+\}$/.test(passed), `module "messaging_gateway" must pass ${name} = var.<root variable>`).toBe(true);
    const rootName = (passed as string).slice(6, -1);
    const rootDecl = root.mod.variables.get(rootName)!;
    expect(rootDecl, `root variable ${rootName}`).toBeDefined();
    const moduleDefault = m.mod.variables.get(name)!.body.default;
    // Root variables that serve the whole stack (log retention, alarms, protection) keep their own defaults.
    if (['log_retention_days', 'alarm_actions', 'table_deletion_protection'].includes(name)) return;
    expect(rootDecl.body.default).toEqual(moduleDefault);
  });
});

describe('messaging contracts fail on a broken copy', () => {
  const QUEUES = `${MODULE}/queues.tf`;

  it('a standard (non-FIFO) DLQ', async () => {
    const { root } = await loadTerraform([{ file: QUEUES, from: /(name\s+= "\$\{var\.name_prefix\}-\$\{each\.key\}-dlq\.fifo"\n\s+)fifo_queue(\s+)= true/, to: '$1fifo_queue$2= false' }], ENABLED);
    expect(checkMessagingQueues(root)).toEqual(expect.arrayContaining([expect.stringMatching(/aws_sqs_queue\.dlq\["inbound"\]: not a FIFO queue/), expect.stringMatching(/aws_sqs_queue\.work\["inbound"\]: its DLQ is not FIFO/)]));
  });

  it('content-based deduplication', async () => {
    const { root } = await loadTerraform([{ file: QUEUES, from: 'content_based_deduplication       = false', to: 'content_based_deduplication       = true' }], ENABLED);
    expect(checkMessagingQueues(root)).toContainEqual(expect.stringMatching(/aws_sqs_queue\.work\["inbound"\]: content_based_deduplication must be false/));
  });

  it('a visibility below 6x the forwarder timeout', async () => {
    const { root } = await loadTerraform([{ file: QUEUES, from: 'var.forwarder_timeout_seconds * 6', to: 'var.forwarder_timeout_seconds * 2' }], ENABLED);
    expect(checkMessagingVisibility(root)).toHaveLength(3);
  });

  it('a mapping without ReportBatchItemFailures or with a batching window', async () => {
    const { root } = await loadTerraform(
      [{ file: `${MODULE}/functions.tf`, from: 'function_response_types = ["ReportBatchItemFailures"]', to: 'function_response_types            = []\n  maximum_batching_window_in_seconds = 1' }],
      ENABLED,
    );
    const v = checkForwarderMappings(root);
    expect(v).toContainEqual(expect.stringMatching(/aws_lambda_event_source_mapping\.forwarder\["inbound"\]: without ReportBatchItemFailures/));
    expect(v).toContainEqual(expect.stringMatching(/aws_lambda_event_source_mapping\.forwarder\["maintenance"\]: FIFO mappings take no batching window/));
  });

  it('a secret without the project key and a bucket kept for a week', async () => {
    const { root } = await loadTerraform(
      [
        { file: `${MODULE}/secrets.tf`, from: /(name\s+= "\$\{var\.name_prefix\}\/genesys-token"\n[^\n]*\n\s+)kms_key_id(\s+)= var\.kms_key_arn/, to: '$1kms_key_id$2= null' },
        { file: `${MODULE}/storage.tf`, from: 'days = var.attachment_retention_days', to: 'days = 7' },
      ],
      ENABLED,
    );
    expect(checkMessagingEncryption(root)).toEqual([expect.stringMatching(/aws_secretsmanager_secret\.genesys_token: secret not encrypted with the project key/)]);
    expect(checkAttachmentLifecycle(root)).toEqual([expect.stringMatching(/attachments must expire within 2 days \(got \[7\]\)/)]);
  });

  it('an environment that drifts from what the code reads', async () => {
    const { root } = await loadTerraform([{ file: `${MODULE}/functions.tf`, from: /\n\s+MAX_WEBHOOK_BYTES\s+= tostring\(var\.max_webhook_bytes\)/, to: '' }], ENABLED);
    const contractNames = new Set<string>(Object.values(MESSAGING_ENV));
    const set = Object.keys(functionEnvironment(root, 'ingest')).filter((n) => contractNames.has(n)).sort();
    expect(set).not.toEqual(messagingEnvReadBy('messaging-ingest'));
    expect(messagingEnvReadBy('messaging-ingest')).toContain(MESSAGING_ENV.maxWebhookBytes);
  });

  it('a seventh route', async () => {
    const { root } = await loadTerraform([{ file: `${MODULE}/main.tf`, from: '    "POST /webhooks/genesys",', to: '    "POST /webhooks/genesys",\n    "ANY /{proxy+}",' }], ENABLED);
    expect(apiRoutes(root)).toContain('ANY /{proxy+}');
    expect(apiRoutes(root)).toHaveLength(7);
  });

  it('a wider ingest role', async () => {
    const { root } = await loadTerraform([{ file: `${MODULE}/iam.tf`, from: 'resources = [aws_secretsmanager_secret.webhook.arn]', to: 'resources = [aws_secretsmanager_secret.webhook.arn, aws_secretsmanager_secret.genesys_oauth.arn]' }], ENABLED);
    expect(policyStatements(root, 'ingest').find((s) => s.sid === 'ReadWebhookSecrets')!.resources).toHaveLength(2);
  });

  it('a log group the key policy does not cover', async () => {
    const { root } = await loadTerraform([{ file: 'terraform/main.tf', from: '["/aws/apigateway/${var.messaging_name_prefix}-webhooks"]', to: '[]' }], ENABLED);
    expect(checkLogGroupsInKeyPolicy(root)).toEqual([expect.stringMatching(/aws_cloudwatch_log_group\.api_access: log group \/aws\/apigateway\/genesys-messaging-webhooks is not in the key policy/)]);
  });

  it('a root default that drifts from the module default', async () => {
    const { root } = await loadTerraform([{ file: 'terraform/variables.tf', from: /(variable "forwarder_batch_size" \{[\s\S]*?default\s+= )10/, to: '$15' }], ENABLED);
    expect(root.mod.variables.get('forwarder_batch_size')!.body.default).toBe(5);
    expect(messagingModule(root).mod.variables.get('forwarder_batch_size')!.body.default).toBe(10);
  });
});
