# Private bucket for quarantined messages: one JSON object per message
# (body, attributes, reason), encrypted with the pipeline key, versioned,
# expired by lifecycle, reachable only over TLS.

resource "aws_s3_bucket" "quarantine" {
  #checkov:skip=CKV_AWS_18:Only the redrive role writes here and every write is an execution step in the state machine's history and logs; server access logs would need a second bucket for no extra trail.
  #checkov:skip=CKV_AWS_144:The bucket holds the only copy of each quarantined message (the workflow deletes it from the DLQ), protected by versioning and SSE-KMS in the pipeline's region; replication would need a second bucket, role and key in another region for messages that already failed three redrives.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a quarantined message automatically; operators list the prefix and the redrive report counts what was quarantined.
  bucket        = "${var.name_prefix}-dlq-quarantine-${local.account_id}-${local.region}"
  force_destroy = var.quarantine_force_destroy
}

resource "aws_s3_bucket_public_access_block" "quarantine" {
  bucket                  = aws_s3_bucket.quarantine.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "quarantine" {
  bucket = aws_s3_bucket.quarantine.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "quarantine" {
  bucket = aws_s3_bucket.quarantine.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One data key per bucket instead of one KMS request per object.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "quarantine" {
  bucket = aws_s3_bucket.quarantine.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "quarantine" {
  bucket = aws_s3_bucket.quarantine.id

  rule {
    id     = "expire-quarantined-messages"
    status = "Enabled"

    filter {}

    expiration {
      days = var.quarantine_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.quarantine_noncurrent_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # Lifecycle rules need versioning settled first.
  depends_on = [aws_s3_bucket_versioning.quarantine]
}

data "aws_iam_policy_document" "quarantine_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"] # aws-requires-wildcard: the TLS-only rule denies every S3 action without TLS
    resources = [
      aws_s3_bucket.quarantine.arn,
      "${aws_s3_bucket.quarantine.arn}/*", # aws-requires-wildcard: every object of the bucket
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

resource "aws_s3_bucket_policy" "quarantine" {
  bucket = aws_s3_bucket.quarantine.id
  policy = data.aws_iam_policy_document.quarantine_bucket.json

  # A bucket policy is refused while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.quarantine]
}
