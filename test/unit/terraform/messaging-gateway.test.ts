// The messaging gateway module (issues 9 and 10): FIFO queues with FIFO DLQs,
// visibility, mappings, encryption, lifecycle, least-privilege roles, the six
// routes, the environment each function reads and the dispatcher's settings;
// each contract also shown to fail on a broken copy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAllContracts } from '../../../scripts/terraform/contracts';
import { loadTerraform } from '../../../scripts/terraform/fixtures';
import { envNamesReadBy, messagingEnvReadBy } from '../../../scripts/terraform/env-reads';
import { decodedJson, plain } from '../../../scripts/terraform/expressions';
import { REPO_ROOT } from '../../../scripts/terraform/hcl';
import {
  apiRoutes,
  checkAttachmentLifecycle,
  checkLogGroupsInKeyPolicy,
  checkMessagingEncryption,
  checkMessagingMappings,
  checkMessagingQueues,
  checkMessagingVisibility,
  functionEnvironment,
  messagingModule,
  policyStatements,
  validationErrors,
} from '../../../scripts/terraform/messaging-contracts';
import { ARTEFACTS } from '../../../scripts/terraform/preflight';
import { dispatcherMappingSettings } from '../../../scripts/local/messaging-stack';
import { dispatcherEnvironment, LOCAL_INTEGRATION_ID, readMessagingDefaults, type LocalMessagingStack } from '../../../scripts/local/provision-messaging';
import { allResources, blocks } from '../../../scripts/terraform/model';
import { MESSAGING_ENV, PLATFORMS } from '../../../shared/messaging/contract';
import { DEFAULT_SEND_RATES, DEFAULT_TELEGRAM_CHAT_RATE, SEND_RATE_ENV, TELEGRAM_CHAT_RATE_ENV, readDispatcherConfig } from '../../../shared/messaging/dispatcher/config';
import { readForwarderConfig } from '../../../shared/messaging/forwarder/config';

const MODULE = 'terraform/modules/messaging-gateway';
const ENABLED = { messaging_enabled: true };

describe('messaging gateway: contracts hold with messaging_enabled = true', async () => {
  const { root, files } = await loadTerraform([], ENABLED);

  it.each(checkAllContracts(root, files).map((c) => [c.name, c.violations]))('%s (whole tree)', (_name, violations) => {
    expect(violations).toEqual([]);
  });

  it.each([
    ['every queue is FIFO with a FIFO DLQ, explicit deduplication, high throughput, SSE-KMS', checkMessagingQueues],
    ['visibility >= 6x the timeout of each queue\'s consumer', checkMessagingVisibility],
    ['forwarder mappings on inbound and maintenance, the dispatcher\'s on outbound, with ReportBatchItemFailures', checkMessagingMappings],
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
    expect(count('aws_lambda_function')).toBe(4);
    expect(count('aws_lambda_event_source_mapping')).toBe(3);
    expect(count('aws_secretsmanager_secret')).toBe(4);
    expect(count('aws_cloudwatch_log_group')).toBe(5);
  });

  it.each([
    [3, 30],
    [30, 30],
    [900, 60],
    [30, 900],
  ])('visibility stays >= 6x for forwarder_timeout_seconds = %i, dispatcher_timeout_seconds = %i', async (forwarder, dispatcher) => {
    const { root: r } = await loadTerraform([], { ...ENABLED, forwarder_timeout_seconds: forwarder, dispatcher_timeout_seconds: dispatcher });
    expect(checkMessagingVisibility(r)).toEqual([]);
    const outbound = messagingModule(r).resources().find((q) => q.type === 'aws_sqs_queue' && q.name === 'work' && q.key === 'outbound')!;
    expect(outbound.arg('visibility_timeout_seconds')).toBe(6 * dispatcher);
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
  // The forwarder's and the dispatcher's roles also start from data.aws_iam_policy_document.genesys_and_platform_caller.
  const CALLER = [
    {
      sid: 'ReadSecrets',
      effect: 'Allow',
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['${aws_secretsmanager_secret.genesys_oauth.arn}', '${aws_secretsmanager_secret.genesys_token.arn}', '${aws_secretsmanager_secret.platform_credentials.arn}'],
    },
    { sid: 'StoreSharedToken', effect: 'Allow', actions: ['secretsmanager:PutSecretValue'], resources: ['${aws_secretsmanager_secret.genesys_token.arn}'] },
    { sid: 'KeepMessagingState', effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: ['${aws_dynamodb_table.state.arn}'] },
  ];
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
        ...CALLER,
        {
          sid: 'ConsumeInboundAndMaintenance',
          effect: 'Allow',
          actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
          resources: ['${aws_sqs_queue.work["inbound"].arn}', '${aws_sqs_queue.work["maintenance"].arn}'],
        },
        { sid: 'DivertAndDeadLetter', effect: 'Allow', actions: ['sqs:SendMessage'], resources: ['${aws_sqs_queue.dlq["inbound"].arn}', '${aws_sqs_queue.work["maintenance"].arn}'] },
        { sid: 'StoreAttachments', effect: 'Allow', actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resources: ['${aws_s3_bucket.attachments.arn}/inbound/*'] },
      ],
    ],
    [
      // Every AWS call of the dispatcher bundle: the mapping's polling, holds
      // (ChangeMessageVisibilityBatch), dead-lettering (SendMessage to its
      // DLQ), Powertools idempotency + rate-limit buckets + part ledger +
      // refresh lease (item actions), streamed re-hosting under outbound/
      // (lib-storage) and pre-signed reads, the token, platform credentials and
      // OAuth client (one login after a 401) and storing that token.
      'dispatcher',
      [
        ...COMMON('dispatcher'),
        ...CALLER,
        {
          sid: 'ConsumeOutbound',
          effect: 'Allow',
          actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
          resources: ['${aws_sqs_queue.work["outbound"].arn}'],
        },
        { sid: 'DeadLetterOutbound', effect: 'Allow', actions: ['sqs:SendMessage'], resources: ['${aws_sqs_queue.dlq["outbound"].arn}'] },
        { sid: 'StoreOutboundAttachments', effect: 'Allow', actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resources: ['${aws_s3_bucket.attachments.arn}/outbound/*'] },
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

  // The MESSAGING_ENV names each function gets (values: the contract's names),
  // and the dispatcher's own settings outside the contract.
  const E = MESSAGING_ENV;
  const DISPATCHER_ONLY: string[] = ['MAX_RECEIVE_COUNT', ...Object.values(SEND_RATE_ENV), TELEGRAM_CHAT_RATE_ENV, 'VIBER_SENDER_NAME'];
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
        E.rateLimitSharers,
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
    [
      'dispatcher',
      [
        E.outboundQueueUrl,
        E.outboundDlqUrl,
        E.stateTable,
        E.attachmentBucket,
        E.platformCredentialsSecretArn,
        E.genesysTokenSecretArn,
        E.genesysOAuthSecretArn,
        E.genesysLoginUrl,
        E.genesysApiUrl,
        E.genesysIntegrationId,
        E.rateLimitPerMinute,
        E.rateLimitSharers,
        E.breakerFailureThreshold,
        E.breakerWindowSeconds,
        E.breakerHalfOpenAfterSeconds,
        E.maxAttachmentBytes,
        E.attachmentUrlTtlSeconds,
        E.lineApiUrl,
        E.telegramApiUrl,
        E.viberApiUrl,
        E.whatsappApiUrl,
      ],
    ],
  ])('the %s function gets exactly its MESSAGING_ENV settings', (fn, names) => {
    const contractNames = new Set<string>(Object.values(MESSAGING_ENV));
    const env = Object.keys(functionEnvironment(root, fn)).filter((n) => contractNames.has(n));
    expect(env.sort()).toEqual([...names].sort());
    const others = Object.keys(functionEnvironment(root, fn)).filter((n) => !contractNames.has(n) && !(fn === 'dispatcher' && DISPATCHER_ONLY.includes(n)));
    expect(others.sort()).toEqual(['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME']);
  });

  // What the code reads, for each messaging function in functions/ (the
  // bundles the module deploys): exactly the MESSAGING_ENV names Terraform
  // sets. The static scan is file-grained: the dispatcher imports the
  // forwarder's config module (shared Genesys settings), so its names are
  // checked by running readDispatcherConfig instead (below).
  const BUNDLES: Record<string, string> = { 'messaging-ingest': 'ingest', 'messaging-forwarder': 'forwarder', 'messaging-token-refresher': 'token_refresher' };
  const BY_CONFIG_READER: Record<string, string> = { 'messaging-dispatcher': 'dispatcher' };
  const present = readdirSync(join(REPO_ROOT, 'functions')).filter((d) => d in BUNDLES);
  it('covers every messaging function in functions/, each with a deployment zip in the module', () => {
    const messagingDirs = readdirSync(join(REPO_ROOT, 'functions')).filter((d) => d.startsWith('messaging-'));
    expect(messagingDirs.sort()).toEqual([...Object.keys(BUNDLES), ...Object.keys(BY_CONFIG_READER)].sort());
    const packages = plain(messagingModule(root).local('packages')) as Record<string, string>;
    expect(Object.values(packages).map((p) => p.split('/').pop()).sort()).toEqual(messagingDirs.map((d) => `${d}.zip`).sort());
  });
  it.each(present.map((d) => [d, BUNDLES[d]!]))('%s reads exactly the MESSAGING_ENV settings aws_lambda_function.%s gets', (dir, fn) => {
    const contractNames = new Set<string>(Object.values(MESSAGING_ENV));
    const set = Object.keys(functionEnvironment(root, fn)).filter((n) => contractNames.has(n)).sort();
    expect(set).toEqual(messagingEnvReadBy(dir));
  });

  // Names the config readers read that the module leaves to the code's
  // default, each for a reason; every other name they read Terraform sets,
  // and Terraform sets nothing they do not read (POWERTOOLS_* aside).
  const CODE_DEFAULTS: Record<string, string> = {
    AWS_LAMBDA_FUNCTION_NAME: 'Lambda sets it',
    GENESYS_RATE_LIMIT_MAX_WAIT_MS: 'derived from GENESYS_RATE_LIMIT_PER_MINUTE (defaultMaxWaitMs)',
    GENESYS_REQUEST_TIMEOUT_MS: 'sized with the function timeout (the dispatcher_timeout_seconds validation counts on 10 s)',
    PLATFORM_REQUEST_TIMEOUT_MS: 'sized with the function timeout, as above',
    MESSAGING_IDEMPOTENCY_TTL_SECONDS: '7 days, longer than queue retention (4 days) and any platform or Genesys resend',
    RETRY_BACKOFF_BASE_SECONDS: 'the backoff of shared/resilience, tuned in code (tests shorten it locally)',
    RETRY_BACKOFF_CAP_SECONDS: 'as above',
    GENESYS_BREAKER_MINIMUM_RPS: 'GENESYS_BREAKER_MINIMUM_RPS in forwarder/config.ts, not a deployment setting',
  };
  const ALL_DEFAULTS = Object.keys(CODE_DEFAULTS).sort();
  it.each([
    ['readForwarderConfig', 'forwarder', readForwarderConfig, ALL_DEFAULTS.filter((n) => n !== 'PLATFORM_REQUEST_TIMEOUT_MS')],
    ['readDispatcherConfig', 'dispatcher', readDispatcherConfig, ALL_DEFAULTS],
  ] as const)('%s reads exactly what aws_lambda_function.%s gets, apart from the code defaults', (_reader, fn, reader, defaults) => {
    const read = envNamesReadBy(reader);
    const set = Object.keys(functionEnvironment(root, fn)).filter((n) => !n.startsWith('POWERTOOLS_')).sort();
    expect(set).toEqual(read.filter((n) => !(n in CODE_DEFAULTS)));
    expect(read.filter((n) => n in CODE_DEFAULTS)).toEqual(defaults);
  });
  it.each(Object.keys(BY_CONFIG_READER))('%s: its handler takes its settings from readDispatcherConfig()', (dir) => {
    expect(readFileSync(join(REPO_ROOT, 'functions', dir, 'handler.ts'), 'utf8')).toMatch(/const config = readDispatcherConfig\(\);/);
  });

  it('the dispatcher gets the send rates and the maxReceiveCount of its queue, the module defaults equal to the code defaults', () => {
    const m = messagingModule(root);
    const env = functionEnvironment(root, 'dispatcher');
    for (const platform of PLATFORMS) {
      expect(m.mod.variables.get(`${platform}_send_rate_per_second`)!.body.default, platform).toBe(DEFAULT_SEND_RATES[platform]);
      expect(env[SEND_RATE_ENV[platform]], platform).toBe(String(DEFAULT_SEND_RATES[platform]));
    }
    expect(m.mod.variables.get('telegram_chat_send_rate_per_second')!.body.default).toBe(DEFAULT_TELEGRAM_CHAT_RATE);
    expect(env[TELEGRAM_CHAT_RATE_ENV]).toBe(String(DEFAULT_TELEGRAM_CHAT_RATE));
    expect([env.LINE_SEND_RATE_PER_SECOND, env.TELEGRAM_SEND_RATE_PER_SECOND, env.VIBER_SEND_RATE_PER_SECOND, env.WHATSAPP_SEND_RATE_PER_SECOND, env.TELEGRAM_CHAT_SEND_RATE_PER_SECOND]).toEqual(['80', '30', '80', '80', '1']);
    expect(env.VIBER_SENDER_NAME).toBe('Support');
    // Every instance that can queue on the Genesys bucket: the forwarder's two mappings and this one.
    expect(env.GENESYS_RATE_LIMIT_SHARERS).toBe(String(2 * Number(m.mod.variables.get('forwarder_maximum_concurrency')!.body.default) + Number(m.mod.variables.get('dispatcher_maximum_concurrency')!.body.default)));
    // The code reads the same values Terraform sets (a rate the code refused would stop the cold start).
    // (GENESYS_INTEGRATION_ID is empty until the second apply; ARNs and URLs are unknown until apply.)
    const applied = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' && v !== '' ? v : 'known-after-apply']));
    const config = readDispatcherConfig(applied);
    expect(config.sendRates).toEqual(DEFAULT_SEND_RATES);
    expect(config.telegramChatRate).toBe(DEFAULT_TELEGRAM_CHAT_RATE);
  });

  it.each([5, 7])('MAX_RECEIVE_COUNT is the outbound queue\'s maxReceiveCount (messaging_max_receive_count = %i)', async (count) => {
    const { root: r } = await loadTerraform([], { ...ENABLED, messaging_max_receive_count: count });
    const outbound = messagingModule(r).resources().find((q) => q.type === 'aws_sqs_queue' && q.name === 'work' && q.key === 'outbound')!;
    const policy = decodedJson(outbound.arg('redrive_policy')) as { maxReceiveCount: number };
    expect(policy.maxReceiveCount).toBe(count);
    expect(functionEnvironment(r, 'dispatcher').MAX_RECEIVE_COUNT).toBe(String(count));
  });

  it('the dispatcher mapping: outbound queue, at most 10 records, no batching window, ReportBatchItemFailures, bounded concurrency', async () => {
    const mapping = messagingModule(root).resources().find((r) => r.type === 'aws_lambda_event_source_mapping' && r.name === 'dispatcher')!;
    expect(mapping.block.body.event_source_arn).toBe('${aws_sqs_queue.work["outbound"].arn}');
    expect(mapping.block.body.function_name).toBe('${aws_lambda_function.dispatcher.arn}');
    expect(mapping.arg('batch_size')).toBe(10);
    expect(mapping.arg('function_response_types')).toEqual(['ReportBatchItemFailures']);
    expect('maximum_batching_window_in_seconds' in mapping.block.body).toBe(false);
    expect(mapping.eval(blocks(mapping.block.body, 'scaling_config')[0]!.maximum_concurrency)).toBe(5);
    const { root: r } = await loadTerraform([], { ...ENABLED, dispatcher_batch_size: 4, dispatcher_maximum_concurrency: 20 });
    const tuned = messagingModule(r).resources().find((x) => x.type === 'aws_lambda_event_source_mapping' && x.name === 'dispatcher')!;
    expect([tuned.arg('batch_size'), tuned.eval(blocks(tuned.block.body, 'scaling_config')[0]!.maximum_concurrency)]).toEqual([4, 20]);
  });

  it('the dispatcher runs like the forwarder: nodejs22.x on arm64, its own KMS log group, tracing, the dist/ zip make build writes', () => {
    const fns = messagingModule(root).resources().filter((r) => r.type === 'aws_lambda_function');
    const dispatcher = fns.find((f) => f.name === 'dispatcher')!;
    expect([dispatcher.arg('runtime'), dispatcher.arg('architectures'), dispatcher.arg('handler'), dispatcher.arg('memory_size'), dispatcher.arg('timeout')]).toEqual(['nodejs22.x', ['arm64'], 'index.handler', 512, 60]);
    expect(dispatcher.arg('function_name')).toBe('genesys-messaging-dispatcher');
    expect(dispatcher.eval(blocks(dispatcher.block.body, 'tracing_config')[0]!.mode)).toBe('Active');
    expect(dispatcher.block.body.filename).toBe('${local.packages.dispatcher}');
    const zip = String(plain(messagingModule(root).local('packages'))!['dispatcher' as never]);
    expect(zip).toMatch(/\/dist\/messaging-dispatcher\.zip$/);
    expect(existsSync(join(REPO_ROOT, 'functions', 'messaging-dispatcher', 'handler.ts'))).toBe(true);
    // make deploy refuses a zip that changed since make plan hashed it.
    expect(ARTEFACTS).toContain('dist/messaging-dispatcher.zip');
    const logGroup = messagingModule(root).resources().find((g) => g.type === 'aws_cloudwatch_log_group' && g.key === 'dispatcher')!;
    expect(logGroup.arg('name')).toBe('/aws/lambda/genesys-messaging-dispatcher');
  });

  it('alarms: the outbound DLQ, the outbound queue\'s oldest message and the dispatcher\'s errors', () => {
    const alarms = messagingModule(root).resources().filter((r) => r.type === 'aws_cloudwatch_metric_alarm');
    const byName = new Map(alarms.map((a) => [String(a.arg('alarm_name')), a]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['genesys-messaging-outbound-oldest-message', 'genesys-messaging-dispatcher-errors']));
    expect(String((byName.get('genesys-messaging-outbound-oldest-message')!.arg('dimensions') as { QueueName: unknown }).QueueName)).toBe('<aws_sqs_queue.work.["outbound"].name>');
    expect(byName.get('genesys-messaging-outbound-oldest-message')!.arg('threshold')).toBe(300);
    // The not-empty alarms are one per DLQ (the model cannot expand a for over a resource): outbound's among them.
    const m = messagingModule(root);
    expect(m.mod.locals.get('not_empty_alarms')!.expr).toMatch(/for k, q in aws_sqs_queue\.dlq : "\$\{k\}-dlq-not-empty"[\s\S]*make redrive AWS=1 QUEUE=\$\{k\}/);
    expect(m.resources().filter((q) => q.type === 'aws_sqs_queue' && q.name === 'dlq').map((q) => q.key)).toContain('outbound');
  });

  it.each([
    ['line_send_rate_per_second', 1000, 1001, /at most 1000/],
    ['viber_send_rate_per_second', 0.5, 0, /above 0/],
    ['whatsapp_send_rate_per_second', 1000, 2000, /at most 1000 .*keep it at your phone number's tier/],
    ['telegram_send_rate_per_second', 30, 80, /Telegram allows a bot about 30 messages per second.*set 30 or less/],
    ['telegram_chat_send_rate_per_second', 0.5, 2, /about one message per second in a chat; set 1 or less/],
    ['dispatcher_timeout_seconds', 30, 20, /below 30 s no record fits/],
    ['dispatcher_batch_size', 10, 11, /Lambda limit for FIFO queues/],
    ['dispatcher_maximum_concurrency', 2, 1, /between 2 and 1000/],
    ['viber_sender_name', 'Acme Support', 'A name far longer than Viber shows', /1 to 28 characters/],
  ] as const)('%s: %s is accepted, %s refused naming the fix', (name, good, bad, message) => {
    const m = messagingModule(root);
    expect(validationErrors(m, name, good)).toEqual([]);
    expect(validationErrors(m, name, m.mod.variables.get(name)!.body.default as never)).toEqual([]);
    expect(validationErrors(m, name, bad)).toEqual([expect.stringMatching(message)]);
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

  it('the redrive role receives from the outbound DLQ and sends back to the outbound queue', () => {
    const redrive = root.all().find((m) => m.address.join('.') === 'dlq_redrive')!;
    expect((redrive.local('dlq_arns') as unknown[]).map(String)).toContain('<aws_sqs_queue.dlq.["outbound"].arn>');
    expect((redrive.local('source_arns') as unknown[]).map(String)).toContain('<aws_sqs_queue.work.["outbound"].arn>');
    const statements = blocks(redrive.mod.data.get('aws_iam_policy_document.redrive')!.body, 'statement');
    expect(statements.find((st) => st.sid === 'InspectAndEmptyDlq')!.resources).toBe('${local.dlq_arns}');
    expect(statements.find((st) => st.sid === 'RedriveToSource')!.resources).toBe('${local.source_arns}');
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

describe('the local stack runs the dispatcher as the module deploys it', async () => {
  const { root } = await loadTerraform([], ENABLED);
  const defaults = await readMessagingDefaults();
  const url = (name: string) => `http://127.0.0.1:1/000000000000/${name}`;
  const queue = (name: string) => ({ url: url(`${name}.fifo`), arn: `arn:aws:sqs:eu-west-1:000000000000:${name}.fifo`, dlq: { url: url(`${name}-dlq.fifo`), arn: `arn:aws:sqs:eu-west-1:000000000000:${name}-dlq.fifo` } });
  const stack: LocalMessagingStack = {
    defaults,
    queues: { inbound: queue('inbound'), outbound: queue('outbound'), maintenance: queue('maintenance') },
    stateTable: 'state',
    attachmentBucket: 'bucket',
    secrets: { webhook: 'webhook', genesysOAuth: 'oauth', genesysToken: 'token', platformCredentials: 'credentials' },
    integrationId: LOCAL_INTEGRATION_ID,
  };
  const local = dispatcherEnvironment(stack, {
    genesysUrl: 'http://127.0.0.1:2',
    platformApis: { lineApiUrl: 'http://127.0.0.1:3', lineDataApiUrl: 'http://127.0.0.1:3', telegramApiUrl: 'http://127.0.0.1:3', viberApiUrl: 'http://127.0.0.1:3', whatsappApiUrl: 'http://127.0.0.1:3' },
  });
  const deployed = functionEnvironment(root, 'dispatcher');
  const E = MESSAGING_ENV;

  it('with the same environment names (the local-only S3 path style and function name aside; the Viber sender name is the code default)', () => {
    const localOnly = ['AWS_LAMBDA_FUNCTION_NAME', 'S3_FORCE_PATH_STYLE'];
    expect(Object.keys(local).filter((n) => !localOnly.includes(n)).sort()).toEqual(Object.keys(deployed).filter((n) => n !== 'VIBER_SENDER_NAME').sort());
  });

  it('with the same settings: rates, MAX_RECEIVE_COUNT, Genesys limit and breaker, attachment limits', () => {
    const settings = [...Object.values(SEND_RATE_ENV), TELEGRAM_CHAT_RATE_ENV, 'MAX_RECEIVE_COUNT', E.rateLimitPerMinute, E.breakerFailureThreshold, E.breakerWindowSeconds, E.breakerHalfOpenAfterSeconds, E.maxAttachmentBytes, E.attachmentUrlTtlSeconds];
    expect(Object.fromEntries(settings.map((n) => [n, local[n]]))).toEqual(Object.fromEntries(settings.map((n) => [n, deployed[n]])));
  });

  it('and the same mapping and outbound visibility', () => {
    const mapping = messagingModule(root).resources().find((r) => r.type === 'aws_lambda_event_source_mapping' && r.name === 'dispatcher')!;
    const fn = messagingModule(root).resources().find((r) => r.type === 'aws_lambda_function' && r.name === 'dispatcher')!;
    const settings = dispatcherMappingSettings(defaults);
    expect(settings).toEqual({ batchSize: mapping.arg('batch_size'), batchingWindowMs: 0, maxConcurrency: mapping.eval(blocks(mapping.block.body, 'scaling_config')[0]!.maximum_concurrency), functionTimeoutMs: (fn.arg('timeout') as number) * 1000 });
    const outbound = messagingModule(root).resources().find((q) => q.type === 'aws_sqs_queue' && q.name === 'work' && q.key === 'outbound')!;
    expect(outbound.arg('visibility_timeout_seconds')).toBe(defaults.dispatcher_timeout_seconds * 6);
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

  it('a visibility below 6x the consumer timeout', async () => {
    const { root } = await loadTerraform([{ file: QUEUES, from: 'local.consumer_timeout_seconds[each.key] * 6', to: 'local.consumer_timeout_seconds[each.key] * 2' }], ENABLED);
    expect(checkMessagingVisibility(root)).toHaveLength(3);
  });

  it("the outbound queue's visibility sized on the forwarder, not the dispatcher", async () => {
    const { root } = await loadTerraform([{ file: QUEUES, from: 'outbound    = var.dispatcher_timeout_seconds', to: 'outbound    = var.forwarder_timeout_seconds' }], { ...ENABLED, dispatcher_timeout_seconds: 120 });
    expect(checkMessagingVisibility(root)).toEqual([expect.stringMatching(/aws_sqs_queue\.work\["outbound"\]: visibility 180 s is below 6 x the dispatcher timeout \(120 s\)/)]);
  });

  it('a mapping without ReportBatchItemFailures or with a batching window', async () => {
    const { root } = await loadTerraform(
      [{ file: `${MODULE}/functions.tf`, from: 'function_response_types = ["ReportBatchItemFailures"]', to: 'function_response_types            = []\n  maximum_batching_window_in_seconds = 1' }],
      ENABLED,
    );
    const v = checkMessagingMappings(root);
    expect(v).toContainEqual(expect.stringMatching(/aws_lambda_event_source_mapping\.forwarder\["inbound"\]: without ReportBatchItemFailures/));
    expect(v).toContainEqual(expect.stringMatching(/aws_lambda_event_source_mapping\.forwarder\["maintenance"\]: FIFO mappings take no batching window/));
  });

  it('no dispatcher mapping, or one on the wrong queue or function', async () => {
    const FUNCTIONS = `${MODULE}/functions.tf`;
    const { root: none } = await loadTerraform([{ file: FUNCTIONS, from: /\nresource "aws_lambda_event_source_mapping" "dispatcher" \{[\s\S]*?\n\}\n/, to: '\n' }], ENABLED);
    expect(checkMessagingMappings(none)).toEqual(['messaging mappings read inbound, maintenance; want one each on inbound, maintenance, outbound']);
    const { root: wrong } = await loadTerraform([{ file: FUNCTIONS, from: 'function_name           = aws_lambda_function.dispatcher.arn', to: 'function_name           = aws_lambda_function.forwarder.arn' }], ENABLED);
    expect(checkMessagingMappings(wrong)).toEqual([expect.stringMatching(/aws_lambda_event_source_mapping\.dispatcher: the outbound queue must invoke aws_lambda_function\.dispatcher/)]);
  });

  it('a dispatcher role that reaches the whole bucket or the inbound DLQ', async () => {
    const IAM = `${MODULE}/iam.tf`;
    const { root } = await loadTerraform(
      [
        { file: IAM, from: 'resources = ["${aws_s3_bucket.attachments.arn}/outbound/*"]', to: 'resources = ["${aws_s3_bucket.attachments.arn}/*"]' },
        { file: IAM, from: 'resources = [aws_sqs_queue.dlq["outbound"].arn]', to: 'resources = [aws_sqs_queue.dlq["outbound"].arn, aws_sqs_queue.dlq["inbound"].arn]' },
      ],
      ENABLED,
    );
    const statements = policyStatements(root, 'dispatcher');
    expect(statements.find((s) => s.sid === 'StoreOutboundAttachments')!.resources).toEqual(['${aws_s3_bucket.attachments.arn}/*']);
    expect(statements.find((s) => s.sid === 'DeadLetterOutbound')!.resources).toHaveLength(2);
  });

  it('a dispatcher environment that drifts from what readDispatcherConfig reads', async () => {
    const { root } = await loadTerraform([{ file: `${MODULE}/functions.tf`, from: /\n\s+TELEGRAM_CHAT_SEND_RATE_PER_SECOND\s+= tostring\(var\.telegram_chat_send_rate_per_second\)/, to: '\n      TELEGRAM_CHAT_RATE = "1"' }], ENABLED);
    const set = Object.keys(functionEnvironment(root, 'dispatcher'));
    expect(set).toContain('TELEGRAM_CHAT_RATE');
    expect(envNamesReadBy(readDispatcherConfig)).not.toContain('TELEGRAM_CHAT_RATE');
    expect(envNamesReadBy(readDispatcherConfig)).toContain('TELEGRAM_CHAT_SEND_RATE_PER_SECOND');
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
