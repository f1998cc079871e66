terraform {
  # 1.10: S3 state locking with use_lockfile (no DynamoDB lock table) and
  # validation blocks that refer to other variables.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The offline schema check (make test) validates every argument against
      # hashicorp/aws 6.45; older 6.x releases may lack some of them.
      version = "~> 6.45"
    }
  }
}
