# Alarms of the messaging path; each tells the operator what to look at.

locals {
  # Queues where a single visible message needs attention: each DLQ, and the
  # maintenance queue (anything there means the forwarder's breaker opened).
  not_empty_alarms = merge(
    {
      for k, q in aws_sqs_queue.dlq : "${k}-dlq-not-empty" => {
        queue       = q.name
        description = "Messages are waiting in ${q.name}. The reason is in the message attributes; redrive with `make redrive AWS=1 QUEUE=${k}` or discard."
      }
    },
    {
      maintenance-queue-not-empty = {
        queue       = aws_sqs_queue.work["maintenance"].name
        description = "The forwarder diverts to ${aws_sqs_queue.work["maintenance"].name}: its circuit breaker to Genesys Cloud is open (outage or error storm). Messages keep their order and drain when Genesys recovers."
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "queue_not_empty" {
  for_each = local.not_empty_alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.queue }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # SQS stops publishing metrics for a queue idle for hours: an empty queue.
  treat_missing_data = "notBreaching"
  actions_enabled    = true
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions
}

# Messages waiting too long in a work queue: customers' messages not reaching
# Genesys (inbound), agents' replies not reaching the customer (outbound).
resource "aws_cloudwatch_metric_alarm" "oldest_message" {
  for_each = {
    inbound = {
      threshold   = var.inbound_oldest_message_alarm_seconds
      description = "Customer messages wait in ${aws_sqs_queue.work["inbound"].name} for over ${var.inbound_oldest_message_alarm_seconds} s: Genesys is slow or rate-limiting, or the forwarder is failing."
    }
    outbound = {
      threshold   = var.outbound_oldest_message_alarm_seconds
      description = "Agent replies wait in ${aws_sqs_queue.work["outbound"].name} for over ${var.outbound_oldest_message_alarm_seconds} s: a platform is throttling or failing, a send rate is set too low, or the dispatcher is failing (its batch summaries name the platform)."
    }
  }

  alarm_name          = "${var.name_prefix}-${each.key}-oldest-message"
  alarm_description   = each.value.description
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.work[each.key].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# The inbound alarm was a resource of its own before the outbound one came:
# keep it rather than replace it.
moved {
  from = aws_cloudwatch_metric_alarm.inbound_oldest_message
  to   = aws_cloudwatch_metric_alarm.oldest_message["inbound"]
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = {
    forwarder       = aws_lambda_function.forwarder.function_name
    dispatcher      = aws_lambda_function.dispatcher.function_name
    token-refresher = aws_lambda_function.token_refresher.function_name
    ingest          = aws_lambda_function.ingest.function_name
  }

  alarm_name          = "${each.value}-errors"
  alarm_description   = "${each.value} invocations failed as a whole (not single records): check its logs."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
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

# The ingest function answers bad input with 4xx; a 5xx is the endpoint
# failing (enqueue failed, secret missing, timeout) and platforms will resend.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name_prefix}-webhooks-5xx"
  alarm_description   = "The webhook endpoint ${aws_apigatewayv2_api.webhooks.name} answered 5xx: check the ingest logs (queue or secret access, timeouts)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.webhooks.id, Stage = aws_apigatewayv2_stage.default.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
