// The reference consumer of the guides (003/004), the baseline `make bench`
// measures the product against. Not product code: it is kept as the guides
// show it, on purpose:
//
//   - records one after another (a for loop over the batch);
//   - one whole-item PutItem per event on an item per entity, guarded by
//     `attribute_not_exists(event_id)`; the guide's condition is completed
//     with `OR event_id <> :eventId` because on its own it makes the entity
//     item write-once (first event wins forever), while the guide's intent is
//     "skip a redelivery of the same event": a redelivered envelope is
//     refused, any other event replaces the item;
//   - no per-aspect merge and no order key in the condition, so the last event
//     to arrive wins: right when events arrive in order, wrong under the
//     shuffle EventBridge and Genesys retries produce (the bench reports how
//     many entities end wrong); a Genesys duplicate under a new envelope id is
//     written again;
//   - no idempotency layer, no circuit breaker, no dead-lettering: any failed
//     record is reported in batchItemFailures and comes back.
//
// It reads events with the product's parser, so both consumers place an event
// under the same entity and the oracle compares like with like (the parse is
// ~3% of the product's CPU per record, README "Cost").
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseGenesysEvent, type ParseLimits } from '../../shared/genesys/event';

export const BASELINE_BATCH_SIZE = 10;

/** The baseline's table: partition key `entity`, nothing else. */
export const BASELINE_KEY = 'entity';

export interface BaselineItem {
  entity: string;
  event_id: string;
  aspect: string;
  orderKey: string;
  digest: string;
  eventTime: number;
  topicName: string;
  data: string;
  updatedAt: string;
}

export function createBaselineConsumer(documentClient: DynamoDBDocumentClient, tableName: string, limits: ParseLimits) {
  return async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const parsed = parseGenesysEvent(record.body, limits);
        const item: BaselineItem = {
          entity: parsed.entity,
          event_id: parsed.eventId,
          aspect: parsed.aspect,
          orderKey: parsed.orderKey,
          digest: parsed.digest,
          eventTime: parsed.eventTimeMs,
          topicName: parsed.topicName,
          data: JSON.stringify(parsed.eventBody),
          updatedAt: new Date().toISOString(),
        };
        await documentClient.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(event_id) OR event_id <> :eventId',
            ExpressionAttributeValues: { ':eventId': parsed.eventId },
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') continue; // already processed
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
