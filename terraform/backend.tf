# Remote state. Uncomment and fill in before the first `make deploy` that
# matters, then run `make plan` again (terraform init asks to migrate any local
# state). CI requires it: a runner's local state is lost when the job ends.
# Terraform 1.10+ locks S3 state with a lock object next to it
# (use_lockfile = true), so no DynamoDB lock table is needed.
#
# The values can also stay out of git: keep an empty `backend "s3" {}` here and
# pass a file of settings with `make plan TF_BACKEND_CONFIG=backend.s3.hcl`.
#
# terraform {
#   backend "s3" {
#     bucket       = "my-company-terraform-state"
#     key          = "genesys-events/event-path.tfstate"
#     region       = "eu-west-1"
#     encrypt      = true
#     use_lockfile = true
#   }
# }
