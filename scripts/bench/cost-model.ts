// What a million events cost per configuration, from measured figures and
// published on-demand prices. Prices: us-east-1, x86_64, as published on
// https://aws.amazon.com/lambda/pricing/ and
// https://aws.amazon.com/dynamodb/pricing/on-demand/ (DynamoDB on-demand after
// the price cut of 1 November 2024); taken 2024-11 and not re-checked since,
// so check them before quoting a bill. SQS, CloudWatch Logs and data transfer
// are the same for every configuration and left out.
export const PRICES = {
  asOf: '2024-11-01 (us-east-1, on-demand, x86_64)',
  lambdaPerGbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
} as const;

/** Lambda gives a function one full vCPU at 1,769 MB and a proportional share below. */
export const FULL_VCPU_MB = 1769;

export interface CostInputs {
  batchSize: number;
  /** Mean wall time of a batch in-process, ms, where the consumer had a whole core. */
  meanBatchMs: number;
  /** CPU time per record in-process, µs: stretched by the vCPU share below 1,769 MB. */
  cpuMicrosPerRecord: number;
  memoryMb: number;
  writeUnitsPerEvent: number;
  readUnitsPerEvent: number;
}

export interface CostRow {
  /** The billed duration modelled for one invocation at the memory size. */
  lambdaBatchMs: number;
  lambdaGbSecondsPerMillion: number;
  lambdaInvocationsPerMillion: number;
  writeUnitsPerMillion: number;
  readUnitsPerMillion: number;
  lambdaUsd: number;
  dynamoDbUsd: number;
  totalUsd: number;
}

export function costPerMillionEvents(inputs: CostInputs): CostRow {
  const invocations = 1e6 / inputs.batchSize;
  // The CPU part of a batch runs slower on a fraction of a vCPU; the waiting
  // on DynamoDB does not. Billed per invocation, rounded up to the millisecond.
  const cpuMsPerBatch = (inputs.cpuMicrosPerRecord * inputs.batchSize) / 1000;
  const stretch = Math.max(0, FULL_VCPU_MB / inputs.memoryMb - 1);
  const lambdaBatchMs = Math.ceil(inputs.meanBatchMs + Math.min(cpuMsPerBatch, inputs.meanBatchMs) * stretch);
  const gbSeconds = invocations * (lambdaBatchMs / 1000) * (inputs.memoryMb / 1024);
  const writeUnits = inputs.writeUnitsPerEvent * 1e6;
  const readUnits = inputs.readUnitsPerEvent * 1e6;
  const lambdaUsd = gbSeconds * PRICES.lambdaPerGbSecond + (invocations / 1e6) * PRICES.lambdaPerMillionRequests;
  const dynamoDbUsd = (writeUnits / 1e6) * PRICES.dynamoDbPerMillionWriteUnits + (readUnits / 1e6) * PRICES.dynamoDbPerMillionReadUnits;
  return {
    lambdaBatchMs,
    lambdaGbSecondsPerMillion: gbSeconds,
    lambdaInvocationsPerMillion: invocations,
    writeUnitsPerMillion: writeUnits,
    readUnitsPerMillion: readUnits,
    lambdaUsd,
    dynamoDbUsd,
    totalUsd: lambdaUsd + dynamoDbUsd,
  };
}
