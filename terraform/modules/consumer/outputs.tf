output "function_name" {
  description = "Name of the consumer Lambda function."
  value       = aws_lambda_function.consumer.function_name
}

output "function_arn" {
  description = "ARN of the consumer Lambda function."
  value       = aws_lambda_function.consumer.arn
}

output "role_arn" {
  description = "ARN of the consumer's execution role."
  value       = aws_iam_role.consumer.arn
}

output "log_group_name" {
  description = "Log group of the consumer."
  value       = aws_cloudwatch_log_group.consumer.name
}

output "event_source_mapping_uuid" {
  description = "UUID of the buffer -> consumer event source mapping (to pause it: aws lambda update-event-source-mapping --no-enabled)."
  value       = aws_lambda_event_source_mapping.buffer.uuid
}

output "projection_table_name" {
  description = "Name of the projection table."
  value       = aws_dynamodb_table.projection.name
}

output "projection_table_arn" {
  description = "ARN of the projection table."
  value       = aws_dynamodb_table.projection.arn
}

output "projection_table_stream_arn" {
  description = "ARN of the projection table's stream (new images)."
  value       = aws_dynamodb_table.projection.stream_arn
}

output "idempotency_table_name" {
  description = "Name of the idempotency table."
  value       = aws_dynamodb_table.idempotency.name
}

output "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  value       = aws_dynamodb_table.idempotency.arn
}

output "alarm_arns" {
  description = "ARNs of the module's CloudWatch alarms."
  value       = [aws_cloudwatch_metric_alarm.consumer_errors.arn]
}
