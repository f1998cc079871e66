# Metrics from the release function's batch summary log line (one per
# invocation: {"release": {"late", "droppedLate", "maxArrivalDisorderMs", ...}}),
# and the alarms an operator needs.

locals {
  metric_namespace = "${var.name_prefix}/ordering"
}

# Late events, marked or dropped, both counted in one metric.
resource "aws_cloudwatch_log_metric_filter" "late_marked" {
  name           = "${local.release_function_name}-late-marked"
  log_group_name = aws_cloudwatch_log_group.release.name
  pattern        = "{ $.release.late > 0 }"

  metric_transformation {
    name      = "LateEvents"
    namespace = local.metric_namespace
    value     = "$.release.late"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "late_dropped" {
  name           = "${local.release_function_name}-late-dropped"
  log_group_name = aws_cloudwatch_log_group.release.name
  pattern        = "{ $.release.droppedLate > 0 }"

  metric_transformation {
    name      = "LateEvents"
    namespace = local.metric_namespace
    value     = "$.release.droppedLate"
    unit      = "Count"
  }
}

# How long after a later event of its entity an event arrived (the largest in
# each release batch): size the hold window above its high percentiles.
resource "aws_cloudwatch_log_metric_filter" "arrival_disorder" {
  name           = "${local.release_function_name}-arrival-disorder"
  log_group_name = aws_cloudwatch_log_group.release.name
  pattern        = "{ $.release.entities > 0 }"

  metric_transformation {
    name      = "ArrivalDisorderMs"
    namespace = local.metric_namespace
    value     = "$.release.maxArrivalDisorderMs"
    unit      = "Milliseconds"
  }
}

resource "aws_cloudwatch_metric_alarm" "late_events" {
  alarm_name          = "${var.name_prefix}-ordering-late-events"
  alarm_description   = "Events reached the ordered feed late (marked or dropped, by ordering_late_events): their arrival disorder exceeded the ${var.hold_seconds} s hold window. Compare the ArrivalDisorderMs metric with ordering_hold_seconds."
  namespace           = local.metric_namespace
  metric_name         = "LateEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.late_events_alarm_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "feed_oldest_message" {
  alarm_name          = "${var.name_prefix}-ordered-feed-oldest-message"
  alarm_description   = "The oldest message on ${aws_sqs_queue.feed.name} is older than ${var.feed_oldest_message_alarm_seconds} s: the downstream consumer of the ordered feed is not keeping up (or not reading)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.feed.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.feed_oldest_message_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# A trigger in the release DLQ means an entity's buffered events are stuck:
# redrive it after fixing the cause (the events wait in the buffer table).
resource "aws_cloudwatch_metric_alarm" "release_dlq" {
  alarm_name          = "${var.name_prefix}-ordering-release-dlq"
  alarm_description   = "Release triggers failed ${var.release_max_receive_count} times and are in ${aws_sqs_queue.release_dlq.name}; their entities' events wait in the buffer until the triggers are redriven."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.release_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "feed_dlq" {
  alarm_name          = "${var.name_prefix}-ordered-feed-dlq"
  alarm_description   = "The downstream consumer failed feed messages ${var.feed_max_receive_count} times; they are in ${aws_sqs_queue.feed_dlq.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.feed_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "release_errors" {
  alarm_name          = "${local.release_function_name}-errors"
  alarm_description   = "${local.release_function_name} invocations failed as a whole: check its logs; triggers stay in the release queue and retry."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.release.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
