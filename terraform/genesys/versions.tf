terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.45"
    }
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = "~> 1.70"
    }
  }

  # Remote state, as for the event path (../backend.tf), with its own key:
  #
  # backend "s3" {
  #   bucket       = "my-company-terraform-state"
  #   key          = "genesys-events/genesys-integration.tfstate"
  #   region       = "eu-west-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}
