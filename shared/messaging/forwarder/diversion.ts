// The maintenance queue and the per-conversation order invariant.
//
// While Genesys is failing (the breaker is open), inbound records are not
// held on the inbound queue (each hold costs a receive, and an outage of a
// few minutes would exhaust maxReceiveCount); they are diverted, unchanged,
// to the FIFO maintenance queue with the same group and deduplication ids,
// and acknowledged. A mapping on the maintenance queue runs the same
// forwarder in drain mode: it forwards what it receives, in FIFO order per
// conversation, under the same breaker and rate limit, holding records by
// visibility while Genesys is still down.
//
// Invariant: per conversation, Genesys receives messages in the order the
// platform sent them, through the maintenance queue and back, none lost, none
// twice. The divert marker keeps it: item `diverted#<conversation>` in the
// state table holds `pending`, the set of delivery keys of this
// conversation's messages sent to maintenance and not yet settled (forwarded,
// found duplicate, or dead-lettered) by the drain.
//
//   inbound  record of conversation C:
//     if C has a marker, or the breaker refuses → divert:
//       1. ADD pending {key}        (before the send: a message is never in
//                                    maintenance without its key)
//       2. SendMessage maintenance  (same group id + dedup id, body unchanged)
//       3. acknowledge
//     else forward to Genesys directly.
//   drain    record of conversation C:
//     forward (or dead-letter, or find duplicate) → DELETE pending {key};
//     when pending is empty, delete the marker, on condition that it is still
//     empty (attribute_not_exists(pending)).
//
// Races, and why each is safe:
//   - Crash between 1 and 2: the inbound record is not acknowledged and comes
//     back; the ADD is idempotent (a set), the send happens then. If it never
//     comes back (redrive to the DLQ), its key stays: C keeps going through
//     maintenance (order still holds, only the path is longer) until the
//     marker's TTL (14 days, renewed on each divert) ends it.
//   - Send succeeded, acknowledgement lost: the record comes back and is
//     diverted again; within 5 minutes SQS drops the second copy (same dedup
//     id); later, the drain finds it forwarded (idempotency) → duplicate.
//   - An inbound record of C decides "divert" from a marker the drain deletes
//     right after: step 1 re-creates the marker, the message goes to
//     maintenance behind everything already there. Order holds.
//   - An inbound record of C reads "no marker" right after the drain deleted
//     it: every key was settled before the delete, so nothing of C is left in
//     maintenance; forwarding directly keeps order.
//   - The drain deletes the marker while an inbound record is between 1 and
//     2: impossible, the delete is conditional on pending being empty, and
//     step 1 put the key in.
//   - Two inbound records of C at once: impossible, SQS FIFO hands a group to
//     one consumer at a time (and the drain works on maintenance, whose C
//     messages are all older than any C message still on the inbound queue).
//   - Breaker per instance: instance A diverts C while instance B's breaker
//     is closed. B never sees C's next record before A acknowledged the
//     diverted one (FIFO), and by then the marker exists, so B diverts too.
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { toSqsAttributes } from '../../consumer/dead-letter';

/** Marker lifetime after the last divert: longer than a message can live in the maintenance queue and its DLQ. */
export const DIVERT_MARKER_TTL_SECONDS = 14 * 24 * 3600;

export const divertMarkerId = (conversation: string): string =>
  `diverted#${conversation.length <= 512 ? conversation : createHash('sha256').update(conversation).digest('hex')}`;

const isConditionFailure = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export class ConversationDiversion {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the conversation has messages in maintenance not yet settled (strongly consistent: the drain may have just settled). */
  async isDiverted(conversation: string): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { id: divertMarkerId(conversation) }, ConsistentRead: true }));
    const pending = Item?.pending as Set<string> | undefined;
    return pending !== undefined && pending.size > 0;
  }

  async markPending(conversation: string, deliveryKey: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id: divertMarkerId(conversation) },
        UpdateExpression: 'ADD pending :key SET expiration = :expiration, conversation = :conversation',
        ExpressionAttributeValues: {
          ':key': new Set([deliveryKey]),
          ':expiration': Math.ceil(this.now() / 1000) + DIVERT_MARKER_TTL_SECONDS,
          ':conversation': conversation,
        },
      }),
    );
  }

  /** The drain is done with this delivery; the marker goes when nothing of the conversation is pending. Returns whether it went. */
  async settle(conversation: string, deliveryKey: string): Promise<boolean> {
    const id = divertMarkerId(conversation);
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'DELETE pending :key',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':key': new Set([deliveryKey]) },
        ReturnValues: 'ALL_NEW',
      }),
    ).catch((error: unknown) => {
      // No marker: a duplicate copy settled earlier, or a redriven message. Nothing to do.
      if (isConditionFailure(error)) return { Attributes: undefined };
      throw error;
    });
    if (!Attributes || (Attributes.pending as Set<string> | undefined)?.size) return false;
    try {
      await this.client.send(new DeleteCommand({ TableName: this.table, Key: { id }, ConditionExpression: 'attribute_not_exists(pending)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false; // an inbound record diverted again meanwhile
      throw error;
    }
  }
}

/** Sends the record to the maintenance queue unchanged: same body, group, deduplication id and attributes. */
export async function sendToMaintenance(sqs: SQSClient, maintenanceQueueUrl: string, record: SQSRecord): Promise<void> {
  const group = record.attributes.MessageGroupId;
  if (!group) throw new Error(`record ${record.messageId} has no MessageGroupId: the forwarder reads FIFO queues only`);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: maintenanceQueueUrl,
      MessageBody: record.body,
      MessageGroupId: group,
      MessageDeduplicationId: record.attributes.MessageDeduplicationId ?? record.messageId,
      MessageAttributes: toSqsAttributes(record.messageAttributes),
    }),
  );
}
