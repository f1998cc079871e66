# The DLQ redrive workflow (design section 4): a STANDARD state machine that
# inspects a DLQ, reports by error class and detail-type, redrives matching
# messages at a bounded rate with redriveCount incremented, quarantines
# repeat offenders to S3, and can hand "move everything" to SQS's own message
# move task. Every step is an aws-sdk task: no Lambda to maintain.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id         = data.aws_caller_identity.current.account_id
  partition          = data.aws_partition.current.partition
  region             = data.aws_region.current.region
  name               = "${var.name_prefix}-dlq-redrive"
  state_machine_arn  = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.name}"
  dlq_arns           = distinct([for p in var.queue_pairs : p.dlq_arn])
  source_arns        = distinct([for p in var.queue_pairs : p.source_arn])
  quarantine_objects = "${aws_s3_bucket.quarantine.arn}/${var.quarantine_prefix}/*"
}

# Step Functions delivers to log groups under /aws/vendedlogs/ without
# growing the account's CloudWatch Logs resource policy.
resource "aws_cloudwatch_log_group" "redrive" {
  name              = "/aws/vendedlogs/states/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_sfn_state_machine" "redrive" {
  #checkov:skip=CKV_AWS_285:State input and output hold message bodies (customer data), so include_execution_data is a variable, off by default; Step Functions keeps each execution's full history for 90 days anyway.
  name       = local.name
  type       = "STANDARD"
  role_arn   = aws_iam_role.redrive.arn
  definition = var.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.redrive.arn}:*"
    include_execution_data = var.include_execution_data
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = true
  }

  # The role must allow log delivery before Step Functions accepts the logging configuration.
  depends_on = [aws_iam_role_policy.redrive]
}

resource "aws_cloudwatch_metric_alarm" "executions_failed" {
  alarm_name          = "${local.name}-executions-failed"
  alarm_description   = "A DLQ redrive execution failed (${local.name}). The cause is in the execution's last event; messages it held are released before it fails, except on a payload-limit failure, where they reappear after visibilityTimeoutSeconds."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.redrive.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # No executions, no datapoints: nothing failed.
  treat_missing_data = "notBreaching"
  actions_enabled    = true
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions
}
