output "integration_id" {
  description = "Id of the Genesys Cloud integration."
  value       = module.genesys_integration.integration_id
}

output "genesys_org_id" {
  description = "Genesys Cloud organization id: the event path's genesys_org_id."
  value       = module.genesys_integration.genesys_org_id
}

output "partner_event_source_name" {
  description = "Partner event source Genesys Cloud creates in the AWS account; the event path's bus takes this name."
  value       = module.genesys_integration.partner_event_source_name
}

output "messaging_integration_id" {
  description = "Id of the Open Messaging integration: the event path root's genesys_integration_id (the forwarder's GENESYS_INTEGRATION_ID). Null unless messaging_integration_enabled."
  value       = var.messaging_integration_enabled ? genesyscloud_conversations_messaging_integrations_open.gateway[0].id : null
}
