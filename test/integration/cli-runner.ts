// Runs the operator CLI as a separate process, as `npm run cli -- …` does
// (tsx's loader on scripts/cli.ts), against a private state directory and
// local AWS port (so a test's `local up` never meets a developer's). Node is
// started with tsx's loader directly: `npx tsx` adds two node processes (npx,
// then tsx's launcher) to every command, over a second each on a busy machine.
import { spawnSync } from 'node:child_process';
import { ROOT } from '../../scripts/local/moto';

export function cliRunner(stateDir: string, port: () => number) {
  return (...args: string[]) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, LOCAL_STATE_DIR: stateDir, LOCAL_AWS_PORT: String(port()), AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_DYNAMODB: '' },
      timeout: 170_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
}
