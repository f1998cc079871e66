// Runs `npm run cli -- …` as a user would, as a separate process, against a
// private state directory and local AWS port (so a test's `local up` never
// meets a developer's).
import { spawnSync } from 'node:child_process';
import { ROOT } from '../../scripts/local/moto';

export function cliRunner(stateDir: string, port: () => number) {
  return (...args: string[]) => {
    const result = spawnSync('npx', ['tsx', 'scripts/cli.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, LOCAL_STATE_DIR: stateDir, LOCAL_AWS_PORT: String(port()), AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_DYNAMODB: '' },
      timeout: 170_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
}
