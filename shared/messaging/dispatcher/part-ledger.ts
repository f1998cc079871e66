// Which items of a multi-request outbound message the platform already
// accepted. Telegram, Viber and WhatsApp take one item per call and have no
// idempotency key, so a message whose third call fails would, on retry,
// repeat the first two to the customer. The ledger (one state-table item per
// Genesys message, a number set of delivered request indexes) lets a retry
// resume at the first undelivered item. LINE needs none: its retry key makes
// each push idempotent on LINE's side. A single-request message needs none
// either: the idempotency record covers it.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** As long as the idempotency record: a redrive within that time resumes too. */
const LEDGER_TTL_SECONDS = 7 * 24 * 3600;

export const partLedgerId = (genesysMessageId: string): string => `outbound-parts#${genesysMessageId}`;

export class PartLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async delivered(genesysMessageId: string): Promise<Set<number>> {
    const item = await this.client.send(new GetCommand({ TableName: this.table, Key: { id: partLedgerId(genesysMessageId) }, ConsistentRead: true }));
    const parts = item.Item?.parts as Set<number> | number[] | undefined;
    return new Set(parts ? [...parts].map(Number) : []);
  }

  async markDelivered(genesysMessageId: string, requestIndex: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id: partLedgerId(genesysMessageId) },
        UpdateExpression: 'ADD parts :part SET expiration = :expiration',
        ExpressionAttributeValues: { ':part': new Set([requestIndex]), ':expiration': Math.ceil(Date.now() / 1000) + LEDGER_TTL_SECONDS },
      }),
    );
  }
}
