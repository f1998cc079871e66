import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';

/** Reads every message of a DLQ (hiding each for a minute, which is fine at the end of a test). */
export async function drainForInspection(queueUrl: string): Promise<Message[]> {
  const sqs = new SQSClient({});
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
  }
}
