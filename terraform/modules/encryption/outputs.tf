output "key_arn" {
  description = "ARN of the pipeline's KMS key."
  value       = aws_kms_key.pipeline.arn
}

output "key_alias" {
  description = "Alias of the pipeline's KMS key."
  value       = aws_kms_alias.pipeline.name
}
