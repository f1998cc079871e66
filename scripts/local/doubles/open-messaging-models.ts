// The Open Messaging inbound request models as the Genesys Cloud platform SDK
// defines them (OpenInboundNormalizedMessage, OpenInboundNormalizedReceipt,
// OpenInboundNormalizedEvent and their parts; platform-client-sdk docs, v212+).
// Strict where the SDK model is: required fields, types and enums. Lenient on
// fields it does not know (older clients send content[].contentType
// "Attachment", newer SDKs add fields): zod objects drop unknown keys, as the
// Genesys API ignores them rather than failing the message.
import { z } from 'zod';

/** request.bytes.max of the Platform API. */
export const MAX_REQUEST_BYTES = 512_000;

const nonEmpty = z.string().min(1, 'must be a non-empty string');
// "ISO-8601 string, for example yyyy-MM-ddTHH:mm:ss[.mmm]Z"; an offset is ISO-8601 too.
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-11-29T08:00:00.000Z' });

const fromRecipient = z.object({
  id: nonEmpty,
  idType: z.enum(['Email', 'Phone', 'Opaque']),
  nickname: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  image: z.string().optional(),
  email: z.string().optional(),
});

const toRecipient = fromRecipient.extend({ idType: z.enum(['Email', 'Phone', 'Opaque']).optional() });

const attachment = z.object({
  mediaType: z.enum(['Image', 'Video', 'Audio', 'File', 'Link']),
  url: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }),
  mime: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a mime type such as image/jpeg'),
  id: z.string().optional(),
  text: z.string().optional(),
  sha256: z.string().optional(),
  filename: z.string().optional(),
});

export const openInboundNormalizedMessage = z
  .object({
    channel: z.object({
      from: fromRecipient,
      time: isoTime,
      messageId: z.string().optional(),
      metadata: z.object({ customAttributes: z.record(z.string(), z.string()).optional() }).optional(),
    }),
    text: z.string().optional(),
    content: z.array(z.object({ attachment: attachment.optional() })).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  // A message with neither text nor an attachment carries nothing for an agent.
  .refine((m) => (m.text !== undefined && m.text.length > 0) || (m.content ?? []).some((c) => c.attachment), {
    message: 'a message needs text or at least one content[].attachment',
    path: ['text'],
  });

export const openInboundNormalizedReceipt = z.object({
  id: nonEmpty,
  channel: z.object({ to: toRecipient, time: isoTime }),
  status: z.enum(['Sent', 'Delivered', 'Failed', 'Published', 'Removed']),
  reasons: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })).optional(),
  isFinalReceipt: z.boolean().optional(),
});

export const openInboundNormalizedEvent = z.object({
  channel: z.object({ from: fromRecipient, time: isoTime }),
  events: z
    .array(
      z.object({
        eventType: z.enum(['Typing']),
        typing: z.object({ type: z.enum(['On']), duration: z.number().int().nonnegative().optional() }).optional(),
      }),
    )
    .min(1, 'needs at least one event'),
});

export type OpenInboundNormalizedMessage = z.infer<typeof openInboundNormalizedMessage>;
export type OpenInboundNormalizedReceipt = z.infer<typeof openInboundNormalizedReceipt>;
export type OpenInboundNormalizedEvent = z.infer<typeof openInboundNormalizedEvent>;

/** Genesys Platform API error body. */
export interface GenesysErrorBody {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: Array<{ fieldName?: string; errorCode?: string }>;
  errors: GenesysErrorBody[];
}

/** Field path (`channel.from.idType`, `content[0].attachment.url`) and what is wrong with it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${String(key)}` : String(key)), ''),
    problem: issue.message,
  }));
}
