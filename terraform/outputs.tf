# What the CLI, the redrive workflow and operators need to find the pipeline.

output "event_bus_name" {
  description = "Partner event bus (named after the Genesys Cloud partner event source)."
  value       = module.event_ingest.event_bus_name
}

output "event_bus_arn" {
  description = "ARN of the partner event bus."
  value       = module.event_ingest.event_bus_arn
}

output "event_archive_name" {
  description = "EventBridge archive of the partner bus (every Genesys event, for replays)."
  value       = module.event_ingest.archive_name
}

output "event_archive_arn" {
  description = "ARN of the EventBridge archive (`npm run cli -- archive replay --aws` replays from it)."
  value       = module.event_ingest.archive_arn
}

output "rule_names" {
  description = "EventBridge rule name per topic family (event-patterns/<family>.json)."
  value       = module.event_ingest.rule_names
}

output "rule_arns" {
  description = "EventBridge rule ARN per topic family."
  value       = module.event_ingest.rule_arns
}

output "buffer_queue_url" {
  description = "URL of the SQS buffer queue the consumer reads."
  value       = module.event_ingest.buffer_queue_url
}

output "buffer_queue_arn" {
  description = "ARN of the SQS buffer queue."
  value       = module.event_ingest.buffer_queue_arn
}

output "buffer_dlq_url" {
  description = "URL of the buffer's dead-letter queue (failed and poison messages)."
  value       = module.event_ingest.buffer_dlq_url
}

output "buffer_dlq_arn" {
  description = "ARN of the buffer's dead-letter queue."
  value       = module.event_ingest.buffer_dlq_arn
}

output "target_dlq_url" {
  description = "URL of the rule targets' dead-letter queue (events EventBridge could not deliver to the buffer)."
  value       = module.event_ingest.target_dlq_url
}

output "target_dlq_arn" {
  description = "ARN of the rule targets' dead-letter queue."
  value       = module.event_ingest.target_dlq_arn
}

output "consumer_function_name" {
  description = "Name of the consumer Lambda function."
  value       = module.consumer.function_name
}

output "consumer_function_arn" {
  description = "ARN of the consumer Lambda function."
  value       = module.consumer.function_arn
}

output "consumer_log_group_name" {
  description = "CloudWatch log group of the consumer."
  value       = module.consumer.log_group_name
}

output "consumer_event_source_mapping_uuid" {
  description = "UUID of the buffer -> consumer event source mapping."
  value       = module.consumer.event_source_mapping_uuid
}

output "projection_table_name" {
  description = "DynamoDB projection table (hash key entity, range key aspect)."
  value       = module.consumer.projection_table_name
}

output "projection_table_arn" {
  description = "ARN of the projection table."
  value       = module.consumer.projection_table_arn
}

output "projection_table_stream_arn" {
  description = "ARN of the projection table's stream (new images)."
  value       = module.consumer.projection_table_stream_arn
}

output "idempotency_table_name" {
  description = "DynamoDB idempotency table (hash key id, TTL attribute expiration)."
  value       = module.consumer.idempotency_table_name
}

output "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  value       = module.consumer.idempotency_table_arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the tables, the consumer's logs and environment."
  value       = module.encryption.key_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.dashboard.dashboard_name
}

output "dlq_redrive_state_machine_arn" {
  description = "ARN of the DLQ redrive state machine (make redrive AWS=1 / npm run cli -- dlq redrive --aws)."
  value       = module.dlq_redrive.state_machine_arn
}

output "dlq_quarantine_bucket_name" {
  description = "Private bucket holding messages quarantined by the redrive workflow."
  value       = module.dlq_redrive.quarantine_bucket_name
}

output "dlq_quarantine_prefix" {
  description = "Key prefix of quarantined messages in the quarantine bucket."
  value       = module.dlq_redrive.quarantine_prefix
}

output "ordered_feed_queue_url" {
  description = "URL of the ordered feed (SQS FIFO, group = entity) when ordering_enabled; null otherwise."
  value       = var.ordering_enabled ? module.ordering_buffer[0].feed_queue_url : null
}

output "ordered_feed_queue_arn" {
  description = "ARN of the ordered feed when ordering_enabled; null otherwise."
  value       = var.ordering_enabled ? module.ordering_buffer[0].feed_queue_arn : null
}

output "ordering_buffer_table_name" {
  description = "Name of the ordering buffer table when ordering_enabled; null otherwise."
  value       = var.ordering_enabled ? module.ordering_buffer[0].buffer_table_name : null
}

# --- Messaging gateway (null unless messaging_enabled) ----------------------------

output "messaging_webhook_base_url" {
  description = "Base URL of the messaging webhook endpoint (HTTP API $default stage)."
  value       = var.messaging_enabled ? module.messaging_gateway[0].webhook_base_url : null
}

output "messaging_webhook_urls" {
  description = "Webhook URL per platform (set each in the platform's console) and for Genesys (line, telegram, viber, whatsapp, genesys)."
  value       = var.messaging_enabled ? module.messaging_gateway[0].webhook_urls : null
}

output "messaging_genesys_webhook_url" {
  description = "The Open Messaging integration's outbound webhook URL: terraform/genesys variable messaging_webhook_url."
  value       = var.messaging_enabled ? module.messaging_gateway[0].webhook_urls["genesys"] : null
}

output "messaging_queue_urls" {
  description = "URLs of the messaging FIFO queues: inbound (the forwarder's), outbound (the dispatcher's), maintenance."
  value       = var.messaging_enabled ? module.messaging_gateway[0].queue_urls : null
}

output "messaging_queue_arns" {
  description = "ARNs of the messaging FIFO queues: inbound, outbound, maintenance."
  value       = var.messaging_enabled ? module.messaging_gateway[0].queue_arns : null
}

output "messaging_dlq_urls" {
  description = "URLs of the messaging FIFO DLQs by queue (make redrive QUEUE=inbound|outbound|maintenance)."
  value       = var.messaging_enabled ? module.messaging_gateway[0].dlq_urls : null
}

output "messaging_dlq_arns" {
  description = "ARNs of the messaging FIFO DLQs by queue."
  value       = var.messaging_enabled ? module.messaging_gateway[0].dlq_arns : null
}

output "messaging_state_table_name" {
  description = "DynamoDB table of the forwarder's and the dispatcher's state."
  value       = var.messaging_enabled ? module.messaging_gateway[0].state_table_name : null
}

output "messaging_attachment_bucket_name" {
  description = "Private bucket of message attachments."
  value       = var.messaging_enabled ? module.messaging_gateway[0].attachment_bucket_name : null
}

output "messaging_secret_arns" {
  description = "ARNs of the messaging secrets (never their values)."
  value       = var.messaging_enabled ? module.messaging_gateway[0].secret_arns : null
}

output "messaging_secret_names" {
  description = "Names of the messaging secrets, to fill with aws secretsmanager put-secret-value (terraform/README.md)."
  value       = var.messaging_enabled ? module.messaging_gateway[0].secret_names : null
}

output "messaging_function_names" {
  description = "Names of the messaging functions: ingest, forwarder, dispatcher, token-refresher."
  value       = var.messaging_enabled ? module.messaging_gateway[0].function_names : null
}

output "messaging_function_arns" {
  description = "ARNs of the messaging functions: ingest, forwarder, dispatcher, token-refresher."
  value       = var.messaging_enabled ? module.messaging_gateway[0].function_arns : null
}
