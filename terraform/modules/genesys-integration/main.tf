# The Genesys Cloud "Amazon EventBridge Source" integration. Enabling it makes
# Genesys Cloud create the partner event source
# aws.partner/genesys.com/cloud/<org id>/<suffix> in the given AWS account and
# region; the event path's bus can associate it only after that.

data "genesyscloud_organizations_me" "current" {}

resource "genesyscloud_integration" "eventbridge" {
  integration_type = "amazon-eventbridge-source"
  intended_state   = var.intended_state

  config {
    name = var.integration_name
    properties = jsonencode({
      awsAccountId      = var.aws_account_id
      awsAccountRegion  = var.aws_account_region
      eventSourceSuffix = var.event_source_suffix
      eventFilter       = var.topic_filters
    })
    advanced = jsonencode({})
    notes    = "Managed by Terraform (terraform/genesys): feeds the Genesys event pipeline in AWS account ${var.aws_account_id}, ${var.aws_account_region}."
  }
}
