// The Open Messaging receipt for an agent's message
// (OpenInboundNormalizedReceipt): id = the Genesys message id from the
// outbound webhook, channel.to = the end user as Genesys addressed them.
// Every receipt the dispatcher posts is final: it sends no "Sent" before it
// knows the outcome.
import type { OutboundMessage } from '../outbound/genesys-outbound';
import type { ReceiptReasonCode } from '../outbound/send-types';

export interface ReceiptBody {
  id: string;
  channel: { to: { id: string; idType: string }; time: string };
  status: 'Delivered' | 'Failed';
  reasons?: Array<{ code: ReceiptReasonCode; message: string }>;
  isFinalReceipt: true;
}

export function receiptBody(message: Pick<OutboundMessage, 'id' | 'to'>, outcome: { status: 'Delivered' } | { status: 'Failed'; code: ReceiptReasonCode; message: string }, now = new Date()): ReceiptBody {
  return {
    id: message.id,
    channel: { to: message.to, time: now.toISOString() },
    status: outcome.status,
    // Genesys shows the reason to the agent: the platform's words, never a URL (a Telegram URL carries the bot token).
    ...(outcome.status === 'Failed' ? { reasons: [{ code: outcome.code, message: outcome.message.slice(0, 500) }] } : {}),
    isFinalReceipt: true,
  };
}
