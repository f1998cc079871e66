provider "aws" {
  # null: the region comes from AWS_REGION / the AWS profile, as for the CLI.
  region = var.aws_region

  default_tags {
    tags = merge(
      {
        Application = "genesys-event-pipeline"
        ManagedBy   = "terraform"
        NamePrefix  = var.name_prefix
      },
      var.tags,
    )
  }
}
