# The webhook endpoint: an API Gateway HTTP API rather than a function URL.
# - One route per platform (and WhatsApp's GET handshake): anything else is a
#   404 from API Gateway, never an invocation.
# - Stage throttling sheds a flood with 429 before it reaches Lambda (platforms
#   resend); a function URL can only be capped by reserved concurrency, which
#   answers the same flood with throttled invocations.
# - Access logs per request (no bodies) and a custom domain when wanted.
# Payload format 2.0 is the event a function URL sends too, so the handler
# works behind either.

resource "aws_apigatewayv2_api" "webhooks" {
  name          = "${var.name_prefix}-webhooks"
  description   = "Platform and Genesys Cloud webhooks of the messaging gateway"
  protocol_type = "HTTP"

  tags = var.tags
}

resource "aws_apigatewayv2_integration" "ingest" {
  api_id                 = aws_apigatewayv2_api.webhooks.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.ingest.invoke_arn
  payload_format_version = "2.0"
  # Genesys waits 10 s for its webhook; answer (even with an error) before that.
  timeout_milliseconds = 9000
}

resource "aws_apigatewayv2_route" "webhook" {
  #checkov:skip=CKV_AWS_309:Platforms and Genesys cannot send IAM or JWT credentials; each request is authenticated by its body signature (HMAC over the raw body, constant-time), verified by the ingest function before anything is enqueued.
  for_each = local.routes

  api_id             = aws_apigatewayv2_api.webhooks.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.ingest.id}"
  authorization_type = "NONE"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name_prefix}-webhooks"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.webhooks.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.ingest_throttling_burst_limit
    throttling_rate_limit    = var.ingest_throttling_rate_limit
    detailed_metrics_enabled = true
  }

  # Who called which route with what outcome; never a body or a header value.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      userAgent          = "$context.identity.userAgent"
    })
  }

  tags = var.tags
}
