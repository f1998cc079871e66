# Only to learn the account id and region the partner event source goes to.
provider "aws" {
  region = var.aws_region
}

# Credentials of a Genesys Cloud OAuth client (client credentials grant, with
# the Integrations > Integration > Add/Edit/View permissions) come from
# GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET; the
# provider logs in as soon as it is configured.
provider "genesyscloud" {
  # null: GENESYSCLOUD_REGION, else us-east-1 (mypurecloud.com).
  aws_region = var.genesys_cloud_region
}
