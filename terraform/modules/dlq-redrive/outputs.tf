output "state_machine_arn" {
  description = "ARN of the DLQ redrive state machine (npm run cli -- dlq redrive --aws starts executions of it)."
  value       = aws_sfn_state_machine.redrive.arn
}

output "state_machine_name" {
  description = "Name of the DLQ redrive state machine."
  value       = aws_sfn_state_machine.redrive.name
}

output "role_arn" {
  description = "ARN of the state machine's execution role."
  value       = aws_iam_role.redrive.arn
}

output "quarantine_bucket_name" {
  description = "Name of the private bucket holding quarantined messages."
  value       = aws_s3_bucket.quarantine.bucket
}

output "quarantine_bucket_arn" {
  description = "ARN of the quarantine bucket."
  value       = aws_s3_bucket.quarantine.arn
}

output "quarantine_prefix" {
  description = "Key prefix the workflow may write quarantined messages under."
  value       = var.quarantine_prefix
}

output "log_group_name" {
  description = "CloudWatch log group of the state machine's executions."
  value       = aws_cloudwatch_log_group.redrive.name
}

output "alarm_arns" {
  description = "ARNs of the workflow's alarms (for the dashboard)."
  value       = [aws_cloudwatch_metric_alarm.executions_failed.arn]
}
