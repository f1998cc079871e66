// The queue body back into an InboundMessage (contract.ts). The ingest
// function wrote it, but a queue also receives redriven and hand-sent
// messages: anything that is not the contract's shape is permanent
// (`invalid-message`, DLQ at once), never a retry loop.
import { z } from 'zod';
import { PLATFORMS, type InboundMessage } from '../contract';
import { PermanentEventError } from '../../resilience/errors';

const id = z.string().min(1);

const inboundMessageSchema = z.object({
  v: z.literal(1),
  platform: z.enum(PLATFORMS),
  userId: id,
  messageId: id,
  eventId: id,
  time: z.string().min(1),
  text: z.string().optional(),
  nickname: z.string().optional(),
  attachments: z.array(
    z.object({
      mediaType: z.enum(['Image', 'Video', 'Audio', 'File']),
      ref: id,
      mime: z.string().optional(),
      filename: z.string().optional(),
      sizeBytes: z.number().int().nonnegative().optional(),
    }),
  ),
  receivedAt: z.string(),
});

export function parseInboundMessage(body: string): InboundMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PermanentEventError('invalid-message', 'queue body is not JSON');
  }
  const parsed = inboundMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentEventError('invalid-message', `queue body is not an InboundMessage: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data as InboundMessage;
}
