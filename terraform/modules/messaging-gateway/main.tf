# The Open Messaging gateway (design §1), both directions:
#
#   platform webhooks, Genesys outbound webhook
#     -> HTTP API (throttled, access-logged) -> ingest Lambda (verify, normalise)
#     -> SQS FIFO inbound (group = conversation)   -> forwarder Lambda -> Genesys
#        SQS FIFO outbound (group = end user)      -> dispatcher Lambda -> platforms,
#                                                     receipts -> Genesys
#     forwarder, breaker open -> SQS FIFO maintenance -> forwarder (drain, in order)
#   token refresher (EventBridge Scheduler) -> Genesys OAuth -> shared token secret
#
# Names: see the comment at name_prefix in variables.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.region
  package_dir = coalesce(var.package_dir, "${path.module}/../../../dist")

  # Function name -> bundle (dist/<bundle>.zip, built by `make build`).
  function_names = {
    ingest          = "${var.name_prefix}-ingest"
    forwarder       = "${var.name_prefix}-forwarder"
    dispatcher      = "${var.name_prefix}-dispatcher"
    token-refresher = "${var.name_prefix}-token-refresher"
  }
  packages = {
    ingest          = "${local.package_dir}/messaging-ingest.zip"
    forwarder       = "${local.package_dir}/messaging-forwarder.zip"
    dispatcher      = "${local.package_dir}/messaging-dispatcher.zip"
    token-refresher = "${local.package_dir}/messaging-token-refresher.zip"
  }

  genesys_api_url   = coalesce(var.genesys_api_url, "https://api.${var.genesys_region_host}")
  genesys_login_url = coalesce(var.genesys_login_url, "https://login.${var.genesys_region_host}")

  # The six routes of the webhook endpoint, all to the ingest function.
  routes = toset([
    "POST /webhooks/line",
    "POST /webhooks/telegram",
    "POST /webhooks/viber",
    "POST /webhooks/whatsapp",
    "GET /webhooks/whatsapp",
    "POST /webhooks/genesys",
  ])
}
