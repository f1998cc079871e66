# The event path, in the order events flow through it:
#
#   Genesys Cloud -> partner event bus -> one rule per topic family
#     -> SQS buffer queue (redrive to the buffer DLQ) -> consumer Lambda
#     -> DynamoDB projection (+ idempotency table)
#
# Each stage is a module; later stages (dlq-redrive, messaging-gateway) plug in
# here using the outputs of event_ingest and consumer. The Genesys Cloud side
# (the integration that creates the partner event source) is a separate root,
# ./genesys: its provider logs in to Genesys Cloud whenever it is configured,
# which Terraform does even for a module with count = 0, so it cannot live in
# this root without making every plan need Genesys credentials.

locals {
  partner_event_source_name = "aws.partner/genesys.com/cloud/${var.genesys_org_id}/${var.event_source_suffix}"
  consumer_function_name    = "${var.name_prefix}-consumer"
  consumer_package_path     = coalesce(var.consumer_package_path, "${path.module}/../dist/event-consumer.zip")
  ordering_release_package  = coalesce(var.ordering_release_package_path, "${path.module}/../dist/ordering-release.zip")

  # Log groups of the messaging gateway, named here (not read from the module's
  # outputs) because the key policy that lets CloudWatch Logs encrypt them
  # must exist before the module can create them.
  messaging_log_group_names = var.messaging_enabled ? concat(
    [for fn in ["ingest", "forwarder", "dispatcher", "token-refresher"] : "/aws/lambda/${var.messaging_name_prefix}-${fn}"],
    ["/aws/apigateway/${var.messaging_name_prefix}-webhooks"],
  ) : []

  # One EventBridge rule per pattern file; the local stack reads the same files.
  event_patterns = {
    for file in fileset("${path.module}/event-patterns", "*.json") :
    trimsuffix(file, ".json") => file("${path.module}/event-patterns/${file}")
  }
}

module "encryption" {
  source = "./modules/encryption"

  name_prefix             = var.name_prefix
  deletion_window_in_days = var.kms_key_deletion_window_days
  consumer_log_group_names = concat([
    "/aws/lambda/${local.consumer_function_name}",
    "/aws/vendedlogs/states/${var.name_prefix}-dlq-redrive",
    "/aws/lambda/${var.name_prefix}-ordering-release",
  ], local.messaging_log_group_names)
  archived_event_bus_names = [local.partner_event_source_name]
}

module "event_ingest" {
  source = "./modules/event-ingest"

  name_prefix                       = var.name_prefix
  partner_event_source_name         = local.partner_event_source_name
  event_patterns                    = local.event_patterns
  archive_retention_days            = var.event_archive_retention_days
  kms_key_arn                       = module.encryption.key_arn
  rule_target_max_retry_attempts    = var.rule_target_max_retry_attempts
  rule_target_max_event_age_seconds = var.rule_target_max_event_age_seconds
  consumer_timeout_seconds          = var.consumer_timeout_seconds
  buffer_max_receive_count          = var.buffer_max_receive_count
  buffer_message_retention_seconds  = var.buffer_message_retention_seconds
  oldest_message_alarm_seconds      = var.buffer_oldest_message_alarm_seconds
  alarm_actions                     = var.alarm_actions
}

module "consumer" {
  source = "./modules/consumer"

  function_name             = local.consumer_function_name
  name_prefix               = var.name_prefix
  package_path              = local.consumer_package_path
  timeout_seconds           = var.consumer_timeout_seconds
  memory_mb                 = var.consumer_memory_mb
  reserved_concurrency      = var.consumer_reserved_concurrency
  log_level                 = var.consumer_log_level
  tracing_mode              = var.consumer_tracing_mode
  log_retention_days        = var.log_retention_days
  kms_key_arn               = module.encryption.key_arn
  table_deletion_protection = var.table_deletion_protection

  buffer_queue_arn         = module.event_ingest.buffer_queue_arn
  buffer_queue_url         = module.event_ingest.buffer_queue_url
  buffer_dlq_arn           = module.event_ingest.buffer_dlq_arn
  buffer_dlq_url           = module.event_ingest.buffer_dlq_url
  buffer_max_receive_count = var.buffer_max_receive_count

  batch_size                 = var.consumer_batch_size
  batching_window_seconds    = var.consumer_batching_window_seconds
  max_concurrency            = var.consumer_max_concurrency
  idempotency_ttl_seconds    = var.idempotency_ttl_seconds
  idempotency_enabled        = var.consumer_idempotency_enabled
  event_future_skew_seconds  = var.event_future_skew_seconds
  max_event_bytes            = var.max_event_bytes
  retry_backoff_base_seconds = var.retry_backoff_base_seconds
  retry_backoff_cap_seconds  = var.retry_backoff_cap_seconds
  breaker = {
    failure_threshold       = var.breaker_failure_threshold
    window_seconds          = var.breaker_window_seconds
    minimum_rps             = var.breaker_minimum_rps
    half_open_after_seconds = var.breaker_half_open_after_seconds
  }

  # The ordering buffer, when on: the consumer buffers each accepted event and
  # triggers its release (modules/ordering-buffer).
  ordering = var.ordering_enabled ? {
    buffer_table_name = module.ordering_buffer[0].buffer_table_name
    buffer_table_arn  = module.ordering_buffer[0].buffer_table_arn
    release_queue_url = module.ordering_buffer[0].release_queue_url
    release_queue_arn = module.ordering_buffer[0].release_queue_arn
    hold_seconds      = var.ordering_hold_seconds
  } : null

  alarm_actions = var.alarm_actions
}

# Ordering buffer (off by default): holds accepted events for
# ordering_hold_seconds and releases them per entity in event-time order to an
# ordered feed (SQS FIFO) for downstream consumers that react to transitions.
module "ordering_buffer" {
  source = "./modules/ordering-buffer"
  count  = var.ordering_enabled ? 1 : 0

  name_prefix               = var.name_prefix
  package_path              = local.ordering_release_package
  hold_seconds              = var.ordering_hold_seconds
  late_events               = var.ordering_late_events
  kms_key_arn               = module.encryption.key_arn
  table_deletion_protection = var.table_deletion_protection
  log_retention_days        = var.log_retention_days
  log_level                 = var.consumer_log_level
  tracing_mode              = var.consumer_tracing_mode
  alarm_actions             = var.alarm_actions
}

# Selective DLQ redrive (inspect, dry run, filter, rate limit, quarantine of
# repeat offenders). The local stack runs the same definition file.
module "dlq_redrive" {
  source = "./modules/dlq-redrive"

  name_prefix = var.name_prefix
  definition  = file("${path.module}/state-machines/dlq-redrive.asl.json")
  # The buffer, and the messaging FIFO queues when the gateway is deployed.
  queue_pairs = concat([
    {
      dlq_arn    = module.event_ingest.buffer_dlq_arn
      source_arn = module.event_ingest.buffer_queue_arn
    },
  ], var.messaging_enabled ? module.messaging_gateway[0].redrive_queue_pairs : [])
  kms_key_arn               = module.encryption.key_arn
  quarantine_retention_days = var.dlq_quarantine_retention_days
  quarantine_force_destroy  = var.dlq_quarantine_force_destroy
  log_retention_days        = var.log_retention_days
  alarm_actions             = var.alarm_actions
}

module "dashboard" {
  source = "./modules/dashboard"

  name_prefix           = var.name_prefix
  event_bus_name        = module.event_ingest.event_bus_name
  rule_names            = values(module.event_ingest.rule_names)
  buffer_queue_name     = module.event_ingest.buffer_queue_name
  dlq_names             = concat([module.event_ingest.buffer_dlq_name, module.event_ingest.target_dlq_name], var.messaging_enabled ? values(module.messaging_gateway[0].dlq_names) : [])
  function_name         = module.consumer.function_name
  projection_table_name = module.consumer.projection_table_name
  alarm_arns            = concat(module.event_ingest.alarm_arns, module.consumer.alarm_arns, module.dlq_redrive.alarm_arns, flatten(module.ordering_buffer[*].alarm_arns), var.messaging_enabled ? module.messaging_gateway[0].alarm_arns : [])
}

# The Open Messaging gateway (design §1), behind one switch. The Genesys Cloud
# side (the Open Messaging integration pointing at its webhook URL) is in
# ./genesys, applied after this root: terraform/README.md, "Messaging gateway".
module "messaging_gateway" {
  count  = var.messaging_enabled ? 1 : 0
  source = "./modules/messaging-gateway"

  name_prefix               = var.messaging_name_prefix
  package_dir               = var.messaging_package_dir
  log_level                 = var.messaging_log_level
  tracing_mode              = var.messaging_tracing_mode
  kms_key_arn               = module.encryption.key_arn
  log_retention_days        = var.log_retention_days
  alarm_actions             = var.alarm_actions
  table_deletion_protection = var.table_deletion_protection

  ingest_memory_mb                        = var.ingest_memory_mb
  ingest_timeout_seconds                  = var.ingest_timeout_seconds
  ingest_throttling_burst_limit           = var.ingest_throttling_burst_limit
  ingest_throttling_rate_limit            = var.ingest_throttling_rate_limit
  max_webhook_bytes                       = var.max_webhook_bytes
  forwarder_batch_size                    = var.forwarder_batch_size
  forwarder_timeout_seconds               = var.forwarder_timeout_seconds
  forwarder_memory_mb                     = var.forwarder_memory_mb
  forwarder_maximum_concurrency           = var.forwarder_maximum_concurrency
  messaging_max_receive_count             = var.messaging_max_receive_count
  messaging_message_retention_seconds     = var.messaging_message_retention_seconds
  inbound_oldest_message_alarm_seconds    = var.inbound_oldest_message_alarm_seconds
  dispatcher_batch_size                   = var.dispatcher_batch_size
  dispatcher_timeout_seconds              = var.dispatcher_timeout_seconds
  dispatcher_memory_mb                    = var.dispatcher_memory_mb
  dispatcher_maximum_concurrency          = var.dispatcher_maximum_concurrency
  line_send_rate_per_second               = var.line_send_rate_per_second
  telegram_send_rate_per_second           = var.telegram_send_rate_per_second
  telegram_chat_send_rate_per_second      = var.telegram_chat_send_rate_per_second
  viber_send_rate_per_second              = var.viber_send_rate_per_second
  whatsapp_send_rate_per_second           = var.whatsapp_send_rate_per_second
  viber_sender_name                       = var.viber_sender_name
  outbound_oldest_message_alarm_seconds   = var.outbound_oldest_message_alarm_seconds
  genesys_region_host                     = var.genesys_region_host
  genesys_api_url                         = var.genesys_api_url
  genesys_login_url                       = var.genesys_login_url
  genesys_integration_id                  = var.genesys_integration_id
  genesys_rate_limit_per_minute           = var.genesys_rate_limit_per_minute
  genesys_breaker_failure_threshold       = var.genesys_breaker_failure_threshold
  genesys_breaker_window_seconds          = var.genesys_breaker_window_seconds
  genesys_breaker_half_open_after_seconds = var.genesys_breaker_half_open_after_seconds
  token_refresh_rate_minutes              = var.token_refresh_rate_minutes
  max_attachment_bytes                    = var.max_attachment_bytes
  attachment_retention_days               = var.attachment_retention_days
  attachment_url_ttl_seconds              = var.attachment_url_ttl_seconds
  webhook_secrets                         = var.webhook_secrets
  genesys_oauth_client                    = var.genesys_oauth_client
  platform_credentials                    = var.platform_credentials
  platform_api_urls                       = var.platform_api_urls
}
