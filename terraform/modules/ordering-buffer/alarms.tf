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

# One alarm per condition an operator must act on; each fires on any value
# above its threshold within 5 minutes.
locals {
  alarms = {
    late-events = {
      name        = "${var.name_prefix}-ordering-late-events"
      description = "Events reached the ordered feed late (marked or dropped, by ordering_late_events): their arrival disorder exceeded the ${var.hold_seconds} s hold window. Compare the ArrivalDisorderMs metric with ordering_hold_seconds."
      namespace   = local.metric_namespace
      metric      = "LateEvents"
      dimensions  = {}
      statistic   = "Sum"
      threshold   = var.late_events_alarm_threshold
    }
    feed-oldest-message = {
      name        = "${var.name_prefix}-ordered-feed-oldest-message"
      description = "The oldest message on ${aws_sqs_queue.feed.name} is older than ${var.feed_oldest_message_alarm_seconds} s: the downstream consumer of the ordered feed is not keeping up (or not reading)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = aws_sqs_queue.feed.name }
      statistic   = "Maximum"
      threshold   = var.feed_oldest_message_alarm_seconds
    }
    # A trigger in the release DLQ means an entity's buffered events are stuck:
    # redrive it after fixing the cause (the events wait in the buffer table).
    release-dlq = {
      name        = "${var.name_prefix}-ordering-release-dlq"
      description = "Release triggers failed ${var.release_max_receive_count} times and are in ${aws_sqs_queue.release_dlq.name}; their entities' events wait in the buffer until the triggers are redriven."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.release_dlq.name }
      statistic   = "Maximum"
      threshold   = 0
    }
    feed-dlq = {
      name        = "${var.name_prefix}-ordered-feed-dlq"
      description = "The downstream consumer failed feed messages ${var.feed_max_receive_count} times; they are in ${aws_sqs_queue.feed_dlq.name}."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.feed_dlq.name }
      statistic   = "Maximum"
      threshold   = 0
    }
    release-errors = {
      name        = "${local.release_function_name}-errors"
      description = "${local.release_function_name} invocations failed as a whole: check its logs; triggers stay in the release queue and retry."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.release.function_name }
      statistic   = "Sum"
      threshold   = 0
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "ordering" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
