// An agent's attachment: Genesys's download URL (lifetime unconfirmed, so
// fetched when the message is dispatched) → streamed into the attachment
// bucket (attachments.ts streamToS3: byte cap, one 5 MiB part in memory) →
// a pre-signed GET URL the platform fetches. The key is derived from the
// Genesys message id and the attachment's position: a retry overwrites the
// same object.
import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PermanentEventError } from '../../resilience/errors';
import { checkedMediaUrl, platformCall, streamToS3, tooLarge } from '../attachments';
import type { OutboundAttachment } from '../outbound/genesys-outbound';
import type { HostedAttachment } from '../outbound/send-types';

export interface RehostDeps {
  s3: S3Client;
  bucket: string;
  maxBytes: number;
  urlTtlSeconds: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export const outboundAttachmentKey = (genesysMessageId: string, index: number): string =>
  `outbound/${createHash('sha256').update(`genesys:${genesysMessageId}`).digest('hex').slice(0, 40)}/${index}`;

export async function rehostAttachments(genesysMessageId: string, attachments: OutboundAttachment[], deps: RehostDeps): Promise<HostedAttachment[]> {
  const hosted: HostedAttachment[] = [];
  for (const [index, attachment] of attachments.entries()) {
    if (attachment.sizeBytes !== undefined && attachment.sizeBytes > deps.maxBytes) throw tooLarge('genesys', attachment.sizeBytes, deps.maxBytes);
    const response = await platformCall(deps.fetch ?? fetch, checkedMediaUrl(attachment.url, 'genesys'), {}, 'Genesys attachment download', deps.timeoutMs);
    if (!response.body) throw new PermanentEventError('attachment-unavailable', 'Genesys attachment download answered without a body');
    const mime = (attachment.mime ?? response.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
    const key = outboundAttachmentKey(genesysMessageId, index);
    const sizeBytes = await streamToS3(deps, key, { body: response.body, mime }, 'genesys');
    const url = await getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: deps.bucket, Key: key }), { expiresIn: deps.urlTtlSeconds });
    hosted.push({ mediaType: attachment.mediaType === 'Link' ? 'File' : attachment.mediaType, url, mime, sizeBytes, ...(attachment.filename ? { filename: attachment.filename } : {}) });
  }
  return hosted;
}
