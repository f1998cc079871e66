output "event_bus_name" {
  description = "Name of the partner event bus (the partner event source name)."
  value       = aws_cloudwatch_event_bus.genesys.name
}

output "event_bus_arn" {
  description = "ARN of the partner event bus."
  value       = aws_cloudwatch_event_bus.genesys.arn
}

output "rule_names" {
  description = "Rule name per topic family."
  value       = { for family, rule in aws_cloudwatch_event_rule.family : family => rule.name }
}

output "rule_arns" {
  description = "Rule ARN per topic family."
  value       = { for family, rule in aws_cloudwatch_event_rule.family : family => rule.arn }
}

output "buffer_queue_name" {
  description = "Name of the buffer queue."
  value       = aws_sqs_queue.buffer.name
}

output "buffer_queue_url" {
  description = "URL of the buffer queue."
  value       = aws_sqs_queue.buffer.url
}

output "buffer_queue_arn" {
  description = "ARN of the buffer queue."
  value       = aws_sqs_queue.buffer.arn
}

output "buffer_dlq_name" {
  description = "Name of the buffer DLQ."
  value       = aws_sqs_queue.buffer_dlq.name
}

output "buffer_dlq_url" {
  description = "URL of the buffer DLQ."
  value       = aws_sqs_queue.buffer_dlq.url
}

output "buffer_dlq_arn" {
  description = "ARN of the buffer DLQ."
  value       = aws_sqs_queue.buffer_dlq.arn
}

output "target_dlq_name" {
  description = "Name of the rule targets' DLQ."
  value       = aws_sqs_queue.target_dlq.name
}

output "target_dlq_url" {
  description = "URL of the rule targets' DLQ."
  value       = aws_sqs_queue.target_dlq.url
}

output "target_dlq_arn" {
  description = "ARN of the rule targets' DLQ."
  value       = aws_sqs_queue.target_dlq.arn
}

output "alarm_arns" {
  description = "ARNs of the module's CloudWatch alarms."
  value       = concat([for alarm in aws_cloudwatch_metric_alarm.dlq_not_empty : alarm.arn], [aws_cloudwatch_metric_alarm.buffer_oldest_message.arn])
}

output "archive_name" {
  description = "Name of the EventBridge archive of the bus."
  value       = aws_cloudwatch_event_archive.genesys.name
}

output "archive_arn" {
  description = "ARN of the EventBridge archive of the bus (the EventSourceArn of a replay)."
  value       = aws_cloudwatch_event_archive.genesys.arn
}
