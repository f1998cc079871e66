output "integration_id" {
  description = "Id of the Genesys Cloud integration."
  value       = genesyscloud_integration.eventbridge.id
}

output "genesys_org_id" {
  description = "Genesys Cloud organization id (the event path's genesys_org_id)."
  value       = data.genesyscloud_organizations_me.current.id
}

output "partner_event_source_name" {
  description = "Name of the partner event source Genesys Cloud creates; the event path's bus takes this name."
  value       = "aws.partner/genesys.com/cloud/${data.genesyscloud_organizations_me.current.id}/${var.event_source_suffix}"
}
