output "buffer_table_name" {
  description = "Name of the ordering buffer table."
  value       = aws_dynamodb_table.buffer.name
}

output "buffer_table_arn" {
  description = "ARN of the ordering buffer table."
  value       = aws_dynamodb_table.buffer.arn
}

output "release_queue_url" {
  description = "URL of the release trigger queue (FIFO)."
  value       = aws_sqs_queue.release.url
}

output "release_queue_arn" {
  description = "ARN of the release trigger queue."
  value       = aws_sqs_queue.release.arn
}

output "release_dlq_url" {
  description = "URL of the release trigger DLQ."
  value       = aws_sqs_queue.release_dlq.url
}

output "feed_queue_url" {
  description = "URL of the ordered feed (FIFO, group = entity)."
  value       = aws_sqs_queue.feed.url
}

output "feed_queue_arn" {
  description = "ARN of the ordered feed."
  value       = aws_sqs_queue.feed.arn
}

output "feed_dlq_url" {
  description = "URL of the ordered feed's DLQ."
  value       = aws_sqs_queue.feed_dlq.url
}

output "release_function_name" {
  description = "Name of the release function."
  value       = aws_lambda_function.release.function_name
}

output "release_log_group_name" {
  description = "Log group of the release function."
  value       = aws_cloudwatch_log_group.release.name
}

output "alarm_arns" {
  description = "ARNs of the module's CloudWatch alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.ordering : alarm.arn]
}
