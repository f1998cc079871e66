output "webhook_base_url" {
  description = "Base URL of the webhook endpoint (the $default stage of the HTTP API)."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "webhook_urls" {
  description = "Webhook URL per platform and for Genesys's outbound webhook (the Open Messaging integration's outboundNotificationWebhookUrl)."
  value       = { for p in ["line", "telegram", "viber", "whatsapp", "genesys"] : p => "${trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")}/webhooks/${p}" }
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.webhooks.id
}

output "queue_urls" {
  description = "URLs of the FIFO queues: inbound (the forwarder's), outbound (the dispatcher's), maintenance."
  value       = { for k, q in aws_sqs_queue.work : k => q.url }
}

output "queue_arns" {
  description = "ARNs of the FIFO queues: inbound, outbound, maintenance."
  value       = { for k, q in aws_sqs_queue.work : k => q.arn }
}

output "queue_names" {
  description = "Names of the FIFO queues: inbound, outbound, maintenance."
  value       = { for k, q in aws_sqs_queue.work : k => q.name }
}

output "dlq_urls" {
  description = "URLs of the FIFO DLQs, by the queue they serve."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.url }
}

output "dlq_arns" {
  description = "ARNs of the FIFO DLQs, by the queue they serve."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.arn }
}

output "dlq_names" {
  description = "Names of the FIFO DLQs, by the queue they serve."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.name }
}

output "redrive_queue_pairs" {
  description = "The DLQ -> source pairs the redrive workflow may work on."
  value       = [for k in ["inbound", "outbound", "maintenance"] : { dlq_arn = aws_sqs_queue.dlq[k].arn, source_arn = aws_sqs_queue.work[k].arn }]
}

output "state_table_name" {
  description = "DynamoDB table of the forwarder's and the dispatcher's state (key id, TTL expiration)."
  value       = aws_dynamodb_table.state.name
}

output "attachment_bucket_name" {
  description = "Private bucket of attachments (expired after attachment_retention_days)."
  value       = aws_s3_bucket.attachments.bucket
}

output "secret_arns" {
  description = "ARNs of the secrets (never their values): webhook, genesys_oauth, genesys_token, platform_credentials."
  value = {
    webhook              = aws_secretsmanager_secret.webhook.arn
    genesys_oauth        = aws_secretsmanager_secret.genesys_oauth.arn
    genesys_token        = aws_secretsmanager_secret.genesys_token.arn
    platform_credentials = aws_secretsmanager_secret.platform_credentials.arn
  }
}

output "secret_names" {
  description = "Names of the secrets, for aws secretsmanager put-secret-value --secret-id."
  value = {
    webhook              = aws_secretsmanager_secret.webhook.name
    genesys_oauth        = aws_secretsmanager_secret.genesys_oauth.name
    genesys_token        = aws_secretsmanager_secret.genesys_token.name
    platform_credentials = aws_secretsmanager_secret.platform_credentials.name
  }
}

output "function_names" {
  description = "Names of the functions: ingest, forwarder, dispatcher, token-refresher."
  value = {
    ingest          = aws_lambda_function.ingest.function_name
    forwarder       = aws_lambda_function.forwarder.function_name
    dispatcher      = aws_lambda_function.dispatcher.function_name
    token-refresher = aws_lambda_function.token_refresher.function_name
  }
}

output "function_arns" {
  description = "ARNs of the functions: ingest, forwarder, dispatcher, token-refresher."
  value = {
    ingest          = aws_lambda_function.ingest.arn
    forwarder       = aws_lambda_function.forwarder.arn
    dispatcher      = aws_lambda_function.dispatcher.arn
    token-refresher = aws_lambda_function.token_refresher.arn
  }
}

output "alarm_arns" {
  description = "ARNs of the module's alarms (for the dashboard)."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.queue_not_empty : a.arn],
    [for a in aws_cloudwatch_metric_alarm.function_errors : a.arn],
    [for a in aws_cloudwatch_metric_alarm.oldest_message : a.arn],
    [aws_cloudwatch_metric_alarm.api_5xx.arn],
  )
}
