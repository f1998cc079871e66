# The state table of the forwarder and the dispatcher, and the attachment bucket.

# One table, key `id` (string), TTL `expiration`: the forwarder's
# "already forwarded" records (idempotency beyond the 5-minute FIFO window),
# the diverted-conversation markers, the dispatcher's "sent once" and
# "receipt posted" records and part ledger, the rate-limit buckets (Genesys,
# per platform, per Telegram chat) and the token refresh lease. Every item
# kind carries its own expiry.
resource "aws_dynamodb_table" "state" {
  name                        = "${var.name_prefix}-state"
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

  tags = var.tags
}

# Attachments fetched from the platforms, streamed in by the forwarder under
# inbound/ and handed to Genesys as pre-signed GET URLs; agents' attachments
# fetched from Genesys, streamed in by the dispatcher under outbound/ and
# handed to the platforms the same way. Customer content, kept only as long
# as the other side needs to fetch it.
resource "aws_s3_bucket" "attachments" {
  #checkov:skip=CKV_AWS_21:Each object is a transient copy of platform media that expires in attachment_retention_days; versioning would keep noncurrent copies of customer content for nothing (the platform holds the original and a redrive fetches it again).
  #checkov:skip=CKV_AWS_18:Only the forwarder and the dispatcher write, and Genesys or the platforms read through the pre-signed URLs they sign (logged by key, not content); server access logs would need a second bucket for objects that live two days.
  #checkov:skip=CKV_AWS_144:Objects live at most two days and can be fetched again from the platform; cross-region replication would copy customer content to a second region for no recovery value.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a new attachment; the forwarder or the dispatcher passes its URL in the same step.
  bucket = "${var.name_prefix}-attachments-${local.account_id}-${local.region}"

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "attachments" {
  bucket                  = aws_s3_bucket.attachments.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "attachments" {
  bucket = aws_s3_bucket.attachments.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "attachments" {
  bucket = aws_s3_bucket.attachments.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One data key per bucket instead of one KMS request per object.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "attachments" {
  bucket = aws_s3_bucket.attachments.id

  rule {
    id     = "expire-attachments"
    status = "Enabled"

    filter {}

    expiration {
      days = var.attachment_retention_days
    }

    # A stream cut off mid-upload (timeout, size cap) leaves parts behind.
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "attachments_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"] # aws-requires-wildcard: the TLS-only rule denies every S3 action without TLS
    resources = [
      aws_s3_bucket.attachments.arn,
      "${aws_s3_bucket.attachments.arn}/*", # aws-requires-wildcard: every object of the bucket
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "attachments" {
  bucket = aws_s3_bucket.attachments.id
  policy = data.aws_iam_policy_document.attachments_bucket.json

  # A bucket policy is refused while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.attachments]
}
