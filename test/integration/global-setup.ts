// One local AWS per integration worker: started before the first test file,
// stopped after the last (also when a test fails or the run is interrupted:
// the children die with this process). Files run side by side, at most one
// per worker (vitest.config.ts: maxWorkers), and every file resets its
// worker's server before it provisions, so two files never share a server.
// Bundles are built first so the tests exercise what ships.
import type { TestProject } from 'vitest/node';
import { buildFunctions } from '../../scripts/build';
import { freePort, startMoto } from '../../scripts/local/moto';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One endpoint per worker, indexed by VITEST_POOL_ID - 1: use localAwsEndpoint() from local-aws.ts. */
    awsEndpoints: string[];
  }
}

export default async function setup(project: TestProject) {
  await buildFunctions();
  const workers = Math.max(1, project.config.maxWorkers || 1);
  // LOCAL_AWS_PORT pins the first server's port (to look at it from outside while the suite runs).
  const ports = await Promise.all(Array.from({ length: workers }, (_, i) => (i === 0 && process.env.LOCAL_AWS_PORT ? Number(process.env.LOCAL_AWS_PORT) : freePort())));
  const servers = await Promise.all(ports.map((port) => startMoto({ port })));
  project.provide('awsEndpoints', servers.map((aws) => aws.endpoint));
  return async () => {
    await Promise.all(servers.map((aws) => aws.stop()));
  };
}
