# The projection: one item per (entity, aspect) so each event is one small
# conditional write (last-write-wins on the order key) and reading an entity
# is one Query. The stream (new images) feeds downstream consumers.
resource "aws_dynamodb_table" "projection" {
  name                        = "${var.name_prefix}-projection"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "entity"
  range_key                   = "aspect"
  stream_enabled              = true
  stream_view_type            = "NEW_IMAGE"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "entity"
    type = "S"
  }

  attribute {
    name = "aspect"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

# Powertools idempotency records (key `id`, expiry `expiration`). TTL removes
# them after idempotency_ttl_seconds, longer than Genesys' retry window.
resource "aws_dynamodb_table" "idempotency" {
  name                        = "${var.name_prefix}-idempotency"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
