import { defineConfig } from 'vitest/config';

/**
 * Integration files run side by side, this many at a time (INTEGRATION_WORKERS
 * overrides; 1 runs them one after another). The global setup starts one local
 * AWS per worker, each file leases one for its whole run (aws-lease.ts) and
 * resets it first, so files never see each other's queues or tables. Most of an integration
 * file's time is spent waiting (visibility holds, Retry-After, breaker
 * half-open, hold windows), which is why two at a time pays even on 2 cores.
 */
const integrationWorkers = Number(process.env.INTEGRATION_WORKERS ?? '2');
if (!Number.isInteger(integrationWorkers) || integrationWorkers < 1) {
  throw new Error(`INTEGRATION_WORKERS=${process.env.INTEGRATION_WORKERS} must be a whole number of at least 1 (default 2)`);
}

// Two projects: unit tests run in parallel; integration tests as above.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          // Each file leases its own local AWS from the global setup's servers.
          setupFiles: ['test/integration/aws-lease.ts'],
          maxWorkers: integrationWorkers,
          // After the unit files (a group of its own: its worker count differs from theirs).
          sequence: { groupOrder: 1 },
          // The bundles (dist/<fn>/index.mjs) are loaded by Node itself, as Lambda loads them:
          // left to vite, every cold start of a 1.4 MB bundle was transformed again (~3 s each).
          server: { deps: { external: [/\/dist\/[^/]+\/index\.mjs/] } },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
