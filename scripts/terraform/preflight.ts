// Checks that `make plan` / `make deploy` / `make destroy` run before they
// touch Terraform, each failing with the cause and the fix:
//
//   preflight.ts tools --dir terraform [--needs-backend]
//       terraform on PATH (or $TF) and >= 1.10; AWS credentials available;
//       for terraform/genesys, Genesys Cloud OAuth client credentials;
//       with --needs-backend (CI deploys), a backend block for remote state.
//   preflight.ts record-artefacts --dir terraform --plan tfplan
//   preflight.ts verify-artefacts --dir terraform --plan tfplan
//       The saved plan hashed the function zips (dist/<function>.zip); deploy
//       rebuilds them and must upload the same bytes, or it would ship code
//       nobody reviewed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const MIN_TERRAFORM = [1, 10, 0] as const;
const REPO_ROOT = new URL('../../', import.meta.url).pathname;
/**
 * Every function's zip (dist/<functions/ dir>.zip, what `make build` writes):
 * the event path's consumer and ordering release, and the messaging gateway's
 * ingest, forwarder, dispatcher and token refresher when messaging_enabled.
 * A zip the root does not upload is hashed too; it changes only with its code.
 */
export const ARTEFACTS = readdirSync(join(REPO_ROOT, 'functions'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => `dist/${e.name}.zip`)
  .sort();

export class PreflightError extends Error {}

function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const have = parts[i] ?? 0;
    if (have !== min[i]) return have > min[i]!;
  }
  return true;
}

export function checkTerraform(tf = process.env.TF || 'terraform'): string {
  const run = spawnSync(tf, ['version', '-json'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new PreflightError(
      `terraform not found (tried "${tf}"). Install Terraform ${MIN_TERRAFORM.slice(0, 2).join('.')} or later (https://developer.hashicorp.com/terraform/install), or set TF=/path/to/terraform. The offline checks (make test) need no Terraform.`,
    );
  }
  let version = '';
  try {
    version = (JSON.parse(run.stdout) as { terraform_version?: string }).terraform_version ?? '';
  } catch {
    version = /v(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1] ?? '';
  }
  if (version && !versionAtLeast(version, MIN_TERRAFORM)) {
    throw new PreflightError(`terraform ${version} is too old: this configuration needs ${MIN_TERRAFORM.join('.')} or later (S3 state locking with use_lockfile). Upgrade it, or set TF=/path/to/newer/terraform.`);
  }
  return version;
}

/** Where the AWS SDK / Terraform would find credentials, or undefined. */
export function awsCredentialSource(env: NodeJS.ProcessEnv = process.env, home = homedir()): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY';
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return 'AWS_WEB_IDENTITY_TOKEN_FILE (OIDC)';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'container credentials';
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config')];
  const profile = env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default';
  for (const file of files) {
    if (existsSync(file) && new RegExp(`^\\[(profile )?${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`, 'm').test(readFileSync(file, 'utf8'))) {
      return `profile "${profile}" in ${file}`;
    }
  }
  return undefined;
}

export function checkAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const fix =
    'Set AWS_PROFILE to a configured profile (aws configure sso, then aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in CI assume a role with aws-actions/configure-aws-credentials (OIDC). On EC2 with an instance profile, set TF_SKIP_AWS_CHECK=1.';
  if (env.TF_SKIP_AWS_CHECK === '1') return 'not checked (TF_SKIP_AWS_CHECK=1)';
  const source = awsCredentialSource(env, home);
  if (!source) throw new PreflightError(`no AWS credentials found. ${fix}`);
  // Where the AWS CLI is installed, it proves the credentials work (an expired
  // SSO session fails here rather than halfway through terraform init).
  const cli = spawnSync('aws', ['sts', 'get-caller-identity', '--output', 'text', '--query', 'Arn'], { encoding: 'utf8', env, timeout: 30_000 });
  if (cli.error) return source;
  if (cli.status !== 0) throw new PreflightError(`AWS credentials from ${source} do not work (aws sts get-caller-identity: ${cli.stderr.trim().split('\n').pop()}). ${fix}`);
  return `${source}: ${cli.stdout.trim()}`;
}

export function checkGenesysCredentials(env: NodeJS.ProcessEnv = process.env): void {
  if (env.GENESYSCLOUD_ACCESS_TOKEN || (env.GENESYSCLOUD_OAUTHCLIENT_ID && env.GENESYSCLOUD_OAUTHCLIENT_SECRET)) return;
  throw new PreflightError(
    'terraform/genesys manages the Genesys Cloud integration and needs an OAuth client: set GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION (client credentials grant with the Integrations permissions).',
  );
}

/** A backend block that is not commented out, in the root's .tf files. */
export function hasBackend(dir: string): boolean {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .some((f) => /^\s*backend\s+"[a-z0-9_]+"\s*\{/m.test(readFileSync(join(dir, f), 'utf8')));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const artefactFile = (dir: string, plan: string) => join(dir, `${plan}.artefacts.json`);

export function recordArtefacts(dir: string, plan: string, root = REPO_ROOT): void {
  const hashes = Object.fromEntries(ARTEFACTS.filter((a) => existsSync(join(root, a))).map((a) => [a, sha256(join(root, a))]));
  writeFileSync(artefactFile(dir, plan), `${JSON.stringify(hashes, null, 2)}\n`);
}

export function verifyArtefacts(dir: string, plan: string, root = REPO_ROOT): void {
  const file = artefactFile(dir, plan);
  if (!existsSync(file)) return; // a root without build artefacts (terraform/genesys)
  const planned = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [artefact, hash] of Object.entries(planned)) {
    const now = existsSync(join(root, artefact)) ? sha256(join(root, artefact)) : 'missing';
    if (now !== hash) {
      throw new PreflightError(
        `${artefact} changed since the plan was made (the saved plan would upload code that differs from what was planned). Run make plan again, review ${join(basename(dir), 'plan.txt')}, then make deploy.`,
      );
    }
  }
}

function arg(name: string, fallback?: string): string {
  const at = process.argv.indexOf(name);
  const v = at >= 0 ? process.argv[at + 1] : fallback;
  if (v === undefined) throw new PreflightError(`missing ${name}`);
  return v;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const command = process.argv[2];
  const dir = resolve(arg('--dir', 'terraform'));
  try {
    if (command === 'tools') {
      const version = checkTerraform();
      const identity = checkAwsCredentials();
      if (basename(dir) === 'genesys') checkGenesysCredentials();
      if (process.argv.includes('--needs-backend') && !hasBackend(dir)) {
        throw new PreflightError(
          `${dir} has no backend block: state written by this run would be lost with the runner. Uncomment the backend "s3" block (terraform/backend.tf, terraform/genesys/versions.tf) and run make plan again.`,
        );
      }
      console.error(`preflight: terraform ${version || '(version unknown)'}, AWS credentials from ${identity}`);
    } else if (command === 'record-artefacts') recordArtefacts(dir, arg('--plan', 'tfplan'));
    else if (command === 'verify-artefacts') verifyArtefacts(dir, arg('--plan', 'tfplan'));
    else throw new PreflightError(`unknown command "${command ?? ''}": use tools, record-artefacts or verify-artefacts`);
  } catch (error) {
    if (error instanceof PreflightError) {
      console.error(`make: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
