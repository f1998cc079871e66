// The ordered feed's message: the event as the projection stores it (entity,
// aspect, order key, event id, event time, topic, data) plus `late`, in the
// body and, for what a consumer filters on, as message attributes.
import type { MessageAttributeValue, SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { ProjectionItem } from '../projection/project-event';
import type { BufferedEvent } from './buffer';
import { groupIdFor } from './keys';

/** The event as the projection stores it, with its body as JSON (not text), and how it reached the feed. */
export type FeedMessage = Omit<ProjectionItem, 'projectedAt' | 'data'> & {
  data: unknown;
  /** true: an event after it in event time was already on the feed when it arrived. */
  late: boolean;
  /** For a late event: the watermark (highest released order key) it missed. */
  missedWatermark?: string;
  /** When the consumer buffered it (epoch ms): with the send time, how long it was held. */
  arrivedAt: number;
};

export function toFeedMessage(event: BufferedEvent, late: { missedWatermark: string } | undefined): FeedMessage {
  return {
    entity: event.entity,
    aspect: event.aspect,
    orderKey: event.orderKey,
    eventId: event.eventId,
    eventTime: event.eventTime,
    detailTimestamp: event.detailTimestamp,
    digest: event.digest,
    topicName: event.topicName,
    detailType: event.detailType,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    data: JSON.parse(event.data) as unknown,
    late: late !== undefined,
    ...(late ? { missedWatermark: late.missedWatermark } : {}),
    arrivedAt: event.arrivedAt,
  };
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/**
 * SendMessage input for the feed: group = entity (order holds per entity),
 * deduplication id = content digest, so a release retried after a crash
 * within SQS's 5-minute deduplication interval sends nothing twice.
 * Nine attributes: SQS allows ten.
 */
export function feedSendInput(queueUrl: string, message: FeedMessage): SendMessageCommandInput {
  return {
    QueueUrl: queueUrl,
    MessageBody: JSON.stringify(message),
    MessageGroupId: groupIdFor(message.entity),
    MessageDeduplicationId: message.digest,
    MessageAttributes: {
      entity: text(message.entity),
      aspect: text(message.aspect),
      orderKey: text(message.orderKey),
      eventId: text(message.eventId),
      eventTime: { DataType: 'Number', StringValue: String(message.eventTime) },
      topicName: text(message.topicName),
      digest: text(message.digest),
      late: text(String(message.late)),
      ...(message.missedWatermark ? { missedWatermark: text(message.missedWatermark) } : {}),
    },
  };
}

export function parseFeedMessage(body: string): FeedMessage {
  const parsed = JSON.parse(body) as Partial<FeedMessage>;
  if (typeof parsed.entity !== 'string' || typeof parsed.orderKey !== 'string' || typeof parsed.late !== 'boolean') {
    throw new Error(`not an ordered-feed message: ${body.slice(0, 120)}`);
  }
  return parsed as FeedMessage;
}
