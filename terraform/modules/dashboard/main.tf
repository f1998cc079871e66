# One dashboard for the event path, top to bottom in the order events flow:
# rules -> buffer -> consumer -> projection, with the DLQs beside them.

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.region

  # CloudWatch rejects an alarm widget without alarms.
  alarm_widgets = length(var.alarm_arns) == 0 ? [] : [
    {
      type   = "alarm"
      x      = 0
      y      = 0
      width  = 24
      height = 3
      properties = {
        title  = "Alarms"
        alarms = var.alarm_arns
      }
    },
  ]

  metric_widgets = [
    {
      type   = "metric"
      x      = 0
      y      = 3
      width  = 12
      height = 6
      properties = {
        title   = "Rules: matched, delivered, failed, dead-lettered"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = "Sum"
        period  = 60
        # flatten() would flatten the metric arrays too: pair rules and metrics instead.
        metrics = [
          for pair in setproduct(var.rule_names, ["MatchedEvents", "FailedInvocations", "InvocationsSentToDlq"]) :
          ["AWS/Events", pair[1], "EventBusName", var.event_bus_name, "RuleName", pair[0]]
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 3
      width  = 12
      height = 6
      properties = {
        title  = "Dead-letter queue depth"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = [
          for dlq in var.dlq_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq]
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 9
      width  = 12
      height = 6
      properties = {
        title  = "Buffer depth (visible, in flight)"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.buffer_queue_name],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", var.buffer_queue_name],
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 9
      width  = 12
      height = 6
      properties = {
        title  = "Buffer: age of oldest message (s)"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = [
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.buffer_queue_name],
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 15
      width  = 8
      height = 6
      properties = {
        title  = "Consumer: invocations, errors, throttles"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", var.function_name],
          ["AWS/Lambda", "Errors", "FunctionName", var.function_name],
          ["AWS/Lambda", "Throttles", "FunctionName", var.function_name],
        ]
      }
    },
    {
      type   = "metric"
      x      = 8
      y      = 15
      width  = 8
      height = 6
      properties = {
        title  = "Consumer duration (ms)"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = [
          ["AWS/Lambda", "Duration", "FunctionName", var.function_name, { stat = "p50" }],
          ["AWS/Lambda", "Duration", "FunctionName", var.function_name, { stat = "p99" }],
          ["AWS/Lambda", "Duration", "FunctionName", var.function_name, { stat = "Maximum" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 16
      y      = 15
      width  = 8
      height = 6
      properties = {
        title  = "Consumer concurrency"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = [
          ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", var.function_name],
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 21
      width  = 24
      height = 6
      properties = {
        title  = "Projection: writes, stale events (conditional check failed), throttles"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = [
          ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", var.projection_table_name],
          ["AWS/DynamoDB", "ConditionalCheckFailedRequests", "TableName", var.projection_table_name],
          ["AWS/DynamoDB", "ThrottledRequests", "TableName", var.projection_table_name, "Operation", "UpdateItem"],
        ]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "pipeline" {
  dashboard_name = "${var.name_prefix}-event-pipeline"
  dashboard_body = jsonencode({ widgets = concat(local.alarm_widgets, local.metric_widgets) })
}
