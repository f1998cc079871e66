terraform {
  required_version = ">= 1.10"

  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = "~> 1.70"
    }
  }
}
