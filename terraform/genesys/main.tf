# Phase 1 of the set-up (see ../README.md): the Genesys Cloud integration
# that creates the partner event source. A root of its own, with its own
# state: the genesyscloud provider logs in to Genesys Cloud whenever it is
# configured, so the event path (..) stays plannable without Genesys
# credentials.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

module "genesys_integration" {
  source = "../modules/genesys-integration"

  integration_name    = var.integration_name
  aws_account_id      = data.aws_caller_identity.current.account_id
  aws_account_region  = data.aws_region.current.region
  event_source_suffix = var.event_source_suffix
  topic_filters       = var.topic_filters
  intended_state      = var.intended_state
}
