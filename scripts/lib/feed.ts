// Reads the ordered feed as a downstream consumer would: receive, hand over in
// feed order, delete. `feed read` prints what it gets; the demo's feed verdict
// checks it. With an entity filter, the other entities' messages are kept in
// flight until the end and then made visible again untouched: handing one
// back at once would let the next receive return it again (it heads its
// group) and the read would never end.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseFeedMessage, type FeedMessage } from '../../shared/ordering/feed-message';

const SQS_MAX = 10;
/** Receives that come back empty, in a row, before the feed counts as read. */
const EMPTY_RECEIVES = 3;

export interface FeedReadOptions {
  entity?: string;
  /** Called with each message in feed order, before it is deleted. */
  onMessage?: (message: FeedMessage) => void;
  /** How long a received message stays hidden (the whole read must finish within it). */
  visibilityTimeoutSeconds?: number;
}

export async function readFeed(sqs: SQSClient, queueUrl: string, options: FeedReadOptions = {}): Promise<FeedMessage[]> {
  const read: FeedMessage[] = [];
  const heldBack: Message[] = [];
  let empty = 0;
  try {
    while (empty < EMPTY_RECEIVES) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: SQS_MAX,
          WaitTimeSeconds: 0,
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) {
        empty += 1;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      empty = 0;
      const taken: Message[] = [];
      for (const message of Messages) {
        const parsed = parseFeedMessage(message.Body ?? '');
        if (options.entity !== undefined && parsed.entity !== options.entity) {
          heldBack.push(message);
          continue;
        }
        options.onMessage?.(parsed);
        read.push(parsed);
        taken.push(message);
      }
      if (taken.length > 0) {
        const result = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: taken.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })) }),
        );
        if ((result.Failed ?? []).length > 0) throw new Error(`feed read: ${result.Failed!.length} printed messages could not be deleted (${result.Failed![0]!.Message ?? 'no reason'}); they will be read again`);
      }
    }
  } finally {
    for (let i = 0; i < heldBack.length; i += SQS_MAX) {
      const chunk = heldBack.slice(i, i + SQS_MAX);
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return read;
}
