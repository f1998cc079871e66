// One local AWS for the integration project: started before the first test
// file, stopped after the last (also when a test fails or the run is
// interrupted: the child dies with this process). Bundles are built first so
// the tests exercise what ships.
import type { TestProject } from 'vitest/node';
import { buildFunctions } from '../../scripts/build';
import { freePort, startMoto } from '../../scripts/local/moto';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  await buildFunctions();
  const aws = await startMoto({ port: process.env.LOCAL_AWS_PORT ? Number(process.env.LOCAL_AWS_PORT) : await freePort() });
  project.provide('awsEndpoint', aws.endpoint);
  return async () => {
    await aws.stop();
  };
}
