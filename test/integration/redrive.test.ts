// The DLQ redrive workflow on the local AWS: the definition that ships
// (terraform/state-machines/dlq-redrive.asl.json) executed by moto's Step
// Functions against the event path's buffer DLQ, as `dlq redrive` starts it.
import { randomUUID } from 'node:crypto';
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionInput, parseRedriveArgs, queueDepth, runExecution, runRedrive, type ExecutionResult, type RedriveTarget, type SelectiveReport } from '../../scripts/lib/redrive';
import { replayLines } from '../../scripts/lib/replay';
import type { LocalStack } from '../../scripts/local/provision';
import { provisionLocalRedrive } from '../../scripts/local/provision-redrive';
import { documentClient } from '../../shared/aws/clients';
import { deadLetterAttributes } from '../../shared/consumer/dead-letter';
import { readEntityItems } from '../../shared/projection/read-entity';
import { PermanentEventError, type PermanentReason } from '../../shared/resilience/errors';
import { auditEvent, conversationEvent, presenceEvent, sqsRecord } from '../fixtures/factories';
import { depthSettles, drainForInspection } from './dlq';
import { QUICK, freshStack } from './local-aws';

let stack: LocalStack;
let target: RedriveTarget;
const sqs = new SQSClient({});
beforeEach(async () => {
  stack = await freshStack();
  // freshStack resets moto; the state machine is created afterwards, so moto executes it.
  target = { where: 'local', ...(await provisionLocalRedrive(stack)) };
});

interface Seeded {
  transient: string[]; // conversationIds of events whose retries ran out
  poison: Message[]; // schema violations the consumer dead-lettered
  unparseable: Message[];
  repeatOffenders: Message[]; // dead-lettered again after 3 redrives
}


/** Events that fail transiently every time: published, then received until the buffer's redrive policy moves them. */
async function exhaustRetries(count: number): Promise<string[]> {
  const events = Array.from({ length: count }, () => conversationEvent({ eventTime: Date.now() - 60_000 }));
  await new EventBridgeClient({}).send(
    new PutEventsCommand({ Entries: events.map((e) => ({ EventBusName: stack.busName, Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail) })) }),
  );
  for (let attempt = 0; attempt < 40; attempt++) {
    const buffer = await queueDepth(sqs, stack.bufferQueueUrl);
    const dlq = await queueDepth(sqs, stack.bufferDlqUrl);
    if (buffer.visible + buffer.inFlight === 0 && dlq.visible === count) return events.map((e) => String(e.detail.eventBody.conversationId));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.bufferQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    await new Promise((r) => setTimeout(r, 120));
  }
  throw new Error(`the buffer's redrive policy did not move ${count} events to the DLQ`);
}

/** What the consumer sends to the DLQ for a permanent failure (its own attribute code). */
async function deadLettered(body: string, reason: PermanentReason, redriveCount?: number): Promise<Message> {
  const record = sqsRecord(body, redriveCount === undefined ? {} : { attributes: { redriveCount: { dataType: 'Number', stringValue: String(redriveCount), stringListValues: [], binaryListValues: [] } } });
  const MessageAttributes = deadLetterAttributes(record, new PermanentEventError(reason, `${reason} in test`), 'genesys-events-consumer');
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: stack.bufferDlqUrl, MessageBody: body, MessageAttributes }));
  return { MessageId, Body: body, MessageAttributes };
}

async function seed(): Promise<Seeded> {
  const transient = await exhaustRetries(5);
  const poison = await Promise.all(Array.from({ length: 4 }, () => deadLettered(JSON.stringify(presenceEvent()), 'schema-violation')));
  const unparseable = [await deadLettered('{"detail-type": "v2.users.{id}.presence", "detail": {', 'invalid-json')];
  const repeatOffenders = await Promise.all(Array.from({ length: 2 }, () => deadLettered(JSON.stringify(auditEvent()), 'schema-violation', 3)));
  await depthSettles(stack.bufferDlqUrl, { visible: 12, inFlight: 0, delayed: 0 });
  return { transient, poison, unparseable, repeatOffenders };
}

async function redrive(...args: string[]): Promise<{ result: ExecutionResult; report: SelectiveReport }> {
  const result = await runExecution(new SFNClient({}), target, executionInput(parseRedriveArgs(args), target), { pollMs: 250 });
  expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
  return { result, report: result.report as SelectiveReport };
}

const CONVERSATION = 'v2.detail.events.conversation.{id}.customer.start';
const PRESENCE = 'v2.users.{id}.presence';
const AUDIT = 'v2.audits.entitytype.{id}.entityid.{id}';
const conversationOf = (m: Message) => (JSON.parse(m.Body!) as { detail: { eventBody: { conversationId: string } } }).detail.eventBody.conversationId;
const s3 = new S3Client({ forcePathStyle: true });

describe('dry run', () => {
  it('reports exact counts by error class and detail-type, and leaves every message where it was', async () => {
    const seeded = await seed();

    const { report } = await redrive();

    expect(report).toMatchObject({
      dryRun: true,
      inspected: 12,
      matched: 12,
      wouldRedrive: 10,
      wouldQuarantine: 2,
      redriven: 0,
      quarantined: 0,
      held: 0,
      notMatching: 0,
      leftInDlq: 12,
      dlqDepthBefore: 12,
      stoppedBecause: 'dlq-empty',
    });
    expect(report.byErrorClass).toEqual({ 'retries-exhausted': 5, 'schema-violation': 6, 'invalid-json': 1 });
    expect(report.byDetailType).toEqual({ [CONVERSATION]: 5, [PRESENCE]: 4, [AUDIT]: 2, unparseable: 1 });
    // Nothing hidden, nothing moved, nothing quarantined, every message unchanged.
    await depthSettles(stack.bufferDlqUrl, { visible: 12, inFlight: 0, delayed: 0 });
    await depthSettles(stack.bufferQueueUrl, { visible: 0, inFlight: 0, delayed: 0 });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: target.quarantineBucket }))).KeyCount ?? 0).toBe(0);
    const after = await drainForInspection(stack.bufferDlqUrl);
    const deadLettered = [...seeded.poison, ...seeded.unparseable, ...seeded.repeatOffenders];
    for (const m of deadLettered) {
      const now = after.find((a) => a.MessageId === m.MessageId);
      expect(now?.Body).toBe(m.Body);
      expect(now?.MessageAttributes).toEqual(m.MessageAttributes);
    }
    expect(after.filter((a) => !a.MessageAttributes).map(conversationOf).sort()).toEqual([...seeded.transient].sort());
  });

  it('inspects no more than --max and still releases what it inspected', async () => {
    await seed();
    const { report } = await redrive('--max', '5');
    expect(report).toMatchObject({ inspected: 5, stoppedBecause: 'max-messages', leftInDlq: 12 });
    await depthSettles(stack.bufferDlqUrl, { visible: 12, inFlight: 0, delayed: 0 });
  });
});

describe('real run', () => {
  it('moves only the matching messages at no more than the rate, quarantines repeat offenders, leaves the rest', async () => {
    const seeded = await seed();
    const rate = 2;

    const { result, report } = await redrive('--apply', '--filter-error-class', 'schema-violation', '--rate', String(rate));

    expect(report).toMatchObject({ dryRun: false, inspected: 12, matched: 6, redriven: 4, quarantined: 2, held: 0, notMatching: 6, leftInDlq: 6 });
    expect(report.byErrorClass).toEqual({ 'retries-exhausted': 5, 'schema-violation': 6, 'invalid-json': 1 });
    // Every window of `rate` messages ends with a 1-second wait: a lower bound by construction.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(((report.redriven + report.quarantined) / rate) * 1000);

    // The source queue has the poison messages back, every attribute kept, redriveCount counted.
    const moved = await drainForInspection(stack.bufferQueueUrl);
    expect(moved.map((m) => m.Body).sort()).toEqual(seeded.poison.map((m) => m.Body).sort());
    for (const m of moved) {
      const original = seeded.poison.find((p) => p.Body === m.Body)!;
      const { redriveCount, ...rest } = m.MessageAttributes as Record<string, MessageAttributeValue>;
      expect(rest).toEqual(original.MessageAttributes);
      expect(redriveCount).toEqual({ DataType: 'Number', StringValue: '1' });
    }

    // Repeat offenders are in S3 with body, attributes and reason, one object each.
    const day = new Date().toISOString().slice(0, 10);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: target.quarantineBucket, Prefix: `${target.quarantinePrefix}/` }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(seeded.repeatOffenders.map((m) => `quarantine/${day}/${m.MessageId}.json`).sort());
    for (const offender of seeded.repeatOffenders) {
      const object = await s3.send(new GetObjectCommand({ Bucket: target.quarantineBucket, Key: `quarantine/${day}/${offender.MessageId}.json` }));
      const record = JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
      expect(record).toMatchObject({ messageId: offender.MessageId, body: offender.Body, attributes: offender.MessageAttributes, errorClass: 'schema-violation', redriveCount: 3, detailType: AUDIT });
      expect(record.reason).toBe('redriveCount 3 reached quarantineAfter 3');
    }

    // The rest is back in the DLQ, visible and untouched.
    await depthSettles(stack.bufferDlqUrl, { visible: 6, inFlight: 0, delayed: 0 });
    const left = await drainForInspection(stack.bufferDlqUrl);
    expect(left.filter((m) => m.MessageAttributes).map((m) => m.MessageId)).toEqual([seeded.unparseable[0]!.MessageId]);
    expect(left.filter((m) => !m.MessageAttributes).map(conversationOf).sort()).toEqual([...seeded.transient].sort());
  });

  it('end to end: the consumer projects the events a detail-type redrive moved back', async () => {
    const seeded = await seed();

    const { report } = await redrive('--apply', '--filter-detail-type', 'v2.detail.events.conversation.', '--rate', '50');
    expect(report).toMatchObject({ matched: 5, redriven: 5, quarantined: 0, notMatching: 7, leftInDlq: 7 });

    // Locally nothing consumes the buffer in the background: run the event source mapping until it is drained.
    const summary = await replayLines(stack, [], QUICK);
    expect(summary).toMatchObject({ projected: 5, deadLettered: {} });
    for (const conversationId of seeded.transient) {
      const items = await readEntityItems(documentClient(), stack.projectionTable, `conversation/${conversationId}`);
      expect(items.map((i) => i.aspect)).toEqual(['p-1/customer.start']);
    }
    await depthSettles(stack.bufferDlqUrl, { visible: 7, inFlight: 0, delayed: 0 });
  });
});

describe('--all', () => {
  it('chains runs of --max messages until the depth at the start was inspected, then stops', async () => {
    const seeded = await seed();

    const results = await runRedrive(new SFNClient({}), target, parseRedriveArgs(['--apply', '--all', '--max', '5', '--rate', '50']), { pollMs: 250 });

    const reports = results.map((r) => r.report as SelectiveReport);
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(reports.map((r) => r.inspected)).toEqual([5, 5, 2]);
    expect(reports.reduce((n, r) => n + r.redriven, 0)).toBe(10);
    expect(reports.reduce((n, r) => n + r.quarantined, 0)).toBe(seeded.repeatOffenders.length);
    await depthSettles(stack.bufferDlqUrl, { visible: 0, inFlight: 0, delayed: 0 });
    await depthSettles(stack.bufferQueueUrl, { visible: 10, inFlight: 0, delayed: 0 });
  });
});

describe('attribute limit', () => {
  it('holds a message that has 10 attributes and no redriveCount: SQS would refuse an eleventh', async () => {
    const string = (v: string) => ({ dataType: 'String', stringValue: v, stringListValues: [], binaryListValues: [] });
    const record = sqsRecord(JSON.stringify(presenceEvent()), { attributes: { a1: string('1'), a2: string('2'), a3: string('3'), a4: string('4') } });
    const MessageAttributes = deadLetterAttributes(record, new PermanentEventError('schema-violation', 'full'), 'genesys-events-consumer');
    expect(Object.keys(MessageAttributes)).toHaveLength(10);
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.bufferDlqUrl, MessageBody: record.body, MessageAttributes }));

    const { report } = await redrive('--apply');

    expect(report).toMatchObject({ inspected: 1, matched: 1, held: 1, redriven: 0, quarantined: 0, leftInDlq: 1 });
    await depthSettles(stack.bufferQueueUrl, { visible: 0, inFlight: 0, delayed: 0 });
    await depthSettles(stack.bufferDlqUrl, { visible: 1, inFlight: 0, delayed: 0 });
  });
});

describe('large bodies', () => {
  // 30 messages of ~30 KB: ten of them (~300 KB) are more than a state may hold (256 KiB).
  async function seedLarge(): Promise<void> {
    const padding = 'x'.repeat(30_000);
    await Promise.all(Array.from({ length: 30 }, () => deadLettered(JSON.stringify({ ...presenceEvent(), padding }), 'schema-violation')));
    await depthSettles(stack.bufferDlqUrl, { visible: 30, inFlight: 0, delayed: 0 });
  }

  it('a batch too large for the state is counted as unseen and the run goes on one message per receive', async () => {
    await seedLarge();

    const { report } = await redrive();

    expect(report).toMatchObject({ inspected: 20, unseen: 10, stoppedBecause: 'dlq-empty' });
    expect(report.byErrorClass).toEqual({ 'schema-violation': 20 });
    // The unseen ten stay hidden until their visibility timeout ends; nothing is lost.
    await depthSettles(stack.bufferDlqUrl, { visible: 20, inFlight: 10, delayed: 0 });
  });

  it('stops with state-size when even one message does not fit, and says how many it could not see', async () => {
    // JSON-escaping doubles a body of quotes: 140,000 bytes in SQS, 280,000 in a state.
    await Promise.all(Array.from({ length: 12 }, () => deadLettered('"'.repeat(140_000), 'invalid-json')));
    await depthSettles(stack.bufferDlqUrl, { visible: 12, inFlight: 0, delayed: 0 });

    const { report } = await redrive();

    // A batch of 10 fails, then a batch of 1: unseen counts what was asked for (SQS's answer is lost).
    expect(report).toMatchObject({ inspected: 0, unseen: 11, stoppedBecause: 'state-size' });
    await depthSettles(stack.bufferDlqUrl, { visible: 1, inFlight: 11, delayed: 0 });
  });

  it('--batch-size 2 inspects every message', async () => {
    await seedLarge();

    const { report } = await redrive('--batch-size', '2');

    expect(report).toMatchObject({ inspected: 30, unseen: 0, stoppedBecause: 'dlq-empty' });
    await depthSettles(stack.bufferDlqUrl, { visible: 30, inFlight: 0, delayed: 0 });
  });
});

describe('a failing step', () => {
  it('fails the execution with the cause and leaves no message hidden or lost', async () => {
    await seed();
    // A bucket that does not exist: the first repeat offender's putObject fails.
    const broken: RedriveTarget = { ...target, quarantineBucket: `missing-${randomUUID()}` };

    const result = await runExecution(new SFNClient({}), broken, executionInput(parseRedriveArgs(['--apply', '--rate', '50']), broken), { pollMs: 250 });

    expect(result.status).toBe('FAILED');
    expect(`${result.error} ${result.cause}`).toMatch(/NoSuchBucket/);
    // What the run held is visible in the DLQ again; what it moved before the failure is in the buffer.
    // (The local AWS caches the approximate counts for 100 ms: read until they settle.)
    let dlq = await queueDepth(sqs, stack.bufferDlqUrl);
    let buffer = await queueDepth(sqs, stack.bufferQueueUrl);
    for (let i = 0; i < 20 && (dlq.inFlight > 0 || dlq.visible + buffer.visible !== 12); i++) {
      await new Promise((r) => setTimeout(r, 150));
      [dlq, buffer] = await Promise.all([queueDepth(sqs, stack.bufferDlqUrl), queueDepth(sqs, stack.bufferQueueUrl)]);
    }
    expect(dlq.inFlight).toBe(0);
    expect(dlq.visible + buffer.visible).toBe(12);
    expect(dlq.visible).toBeGreaterThanOrEqual(2); // the repeat offenders were never deleted
  });
});

describe('input', () => {
  it('refuses more messages than one execution can hold, naming the limits', async () => {
    const input = { ...executionInput(parseRedriveArgs([]), target), maxMessages: 251, filter: { errorClass: randomUUID() } };
    const result = await runExecution(new SFNClient({}), target, input, { pollMs: 250 });
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(result.cause).toContain('maxMessages (integer 1-250');
  });
});
