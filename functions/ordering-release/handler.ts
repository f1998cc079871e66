import { Logger } from '@aws-lambda-powertools/logger';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient, sqsClient } from '../../shared/aws/clients';
import { readReleaseSettings } from '../../shared/ordering/config';
import { createReleaseRecordHandler, emptyReleaseTally } from '../../shared/ordering/release-batch';

const logger = new Logger({ serviceName: 'ordering-release' });
const settings = readReleaseSettings();
const deps = { client: documentClient(), sqs: sqsClient(), settings };
const processor = new SqsFifoPartialProcessorAsync();

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  const release = emptyReleaseTally();
  const response = await processPartialResponse(event, createReleaseRecordHandler(deps, logger, release), processor, {
    context,
    // A failed entity fails only its own later triggers (FIFO order within the group); other entities go on.
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
  const failed = response.batchItemFailures.length;
  if (failed > 0) {
    logger.warn('release triggers failed, will retry', { failed, errors: processor.errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message.slice(0, 160)}` : String(e))).slice(0, 5) });
  }
  // The alarms' metric filters read release.late, release.droppedLate and release.maxArrivalDisorderMs.
  logger.info('release batch summary', { release: { ...release, failed } });
  return response;
}
