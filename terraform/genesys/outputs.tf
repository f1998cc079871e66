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
