// The DLQ redrive workflow on the local AWS: the quarantine bucket and the
// state machine, from the files Terraform deploys — the definition
// terraform/state-machines/dlq-redrive.asl.json and the defaults of
// terraform/modules/dlq-redrive/variables.tf — so a local run exercises what
// ships. Idempotent: `dlq redrive` calls it on every run against `local up`,
// so an edited definition is picked up without restarting the local AWS.
//
// moto executes a state machine only if `stepfunctions.execute_state_machine`
// was set before the machine was created; startMoto and resetMoto set it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { TERRAFORM_DIR, readVariableDefaults } from '../../shared/config/stack-spec';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './aws-env';
import type { LocalStack } from './provision';

export const REDRIVE_DEFINITION_FILE = join(TERRAFORM_DIR, 'state-machines', 'dlq-redrive.asl.json');
export const REDRIVE_MODULE_VARIABLES = join(TERRAFORM_DIR, 'modules', 'dlq-redrive', 'variables.tf');

export interface LocalRedrive {
  stateMachineArn: string;
  quarantineBucket: string;
  quarantinePrefix: string;
  dlqUrl: string;
  sourceUrl: string;
}

/** Names as terraform/modules/dlq-redrive makes them (its bucket name carries the account and region). */
export function redriveNames(namePrefix: string, account = LOCAL_ACCOUNT, region = LOCAL_REGION) {
  return { stateMachine: `${namePrefix}-dlq-redrive`, bucket: `${namePrefix}-dlq-quarantine-${account}-${region}` };
}

/** Defaults of the Terraform module that the execution input must agree with. */
export async function readRedriveModuleDefaults(file = REDRIVE_MODULE_VARIABLES): Promise<{ quarantinePrefix: string }> {
  const prefix = (await readVariableDefaults(file))('quarantine_prefix');
  if (typeof prefix !== 'string') throw new Error(`${file}: variable "quarantine_prefix" needs a string default; the local stack and the CLI use it.`);
  return { quarantinePrefix: prefix };
}

export async function readRedriveDefinition(file = REDRIVE_DEFINITION_FILE): Promise<string> {
  const text = await readFile(file, 'utf8');
  JSON.parse(text); // a broken file fails here with its position, not deep inside the local AWS
  return text;
}

export async function provisionLocalRedrive(stack: LocalStack): Promise<LocalRedrive> {
  const names = redriveNames(stack.spec.defaults.name_prefix);
  const [definition, defaults] = await Promise.all([readRedriveDefinition(), readRedriveModuleDefaults()]);
  const s3 = new S3Client({ forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  } catch (error) {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou' && (error as Error).name !== 'BucketAlreadyExists') throw error;
  }
  const sfn = new SFNClient({});
  const roleArn = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${names.stateMachine}-role`;
  const existing = await findStateMachine(sfn, names.stateMachine);
  let stateMachineArn: string;
  if (existing) {
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: existing, definition, roleArn }));
    stateMachineArn = existing;
  } else {
    const created = await sfn.send(new CreateStateMachineCommand({ name: names.stateMachine, type: 'STANDARD', definition, roleArn }));
    stateMachineArn = created.stateMachineArn!;
  }
  return { stateMachineArn, quarantineBucket: names.bucket, quarantinePrefix: defaults.quarantinePrefix, dlqUrl: stack.bufferDlqUrl, sourceUrl: stack.bufferQueueUrl };
}

async function findStateMachine(sfn: SFNClient, name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    const hit = page.stateMachines?.find((m) => m.name === name);
    if (hit) return hit.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}
