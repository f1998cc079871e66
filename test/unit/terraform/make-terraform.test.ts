// make plan / deploy / destroy: fail fast with the cause and the fix when
// Terraform or credentials are missing, and otherwise run init, plan -out,
// show, then apply exactly the saved plan. Terraform and the AWS CLI are
// replaced by stubs that record their arguments.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { awsCredentialSource, checkAwsCredentials, checkTerraform, hasBackend, recordArtefacts, verifyArtefacts } from '../../../scripts/terraform/preflight';
import { REPO_ROOT, TERRAFORM_DIR } from '../../../scripts/terraform/hcl';

const scratch = mkdtempSync(join(tmpdir(), 'make-terraform-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function stubBin(): string {
  const bin = join(scratch, `bin-${Math.random().toString(36).slice(2)}`);
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'terraform'),
    `#!/bin/sh
dir=
for a in "$@"; do case "$a" in -chdir=*) dir="\${a#-chdir=}";; -out=*) touch "$dir/\${a#-out=}";; esac; done
case " $* " in *" version "*) echo '{"terraform_version":"1.11.4"}';; *" show "*) echo "Plan: 32 to add, 0 to change, 0 to destroy.";; esac
if [ -n "$dir" ]; then echo "$*" >> "$dir/terraform-calls.log"; fi
`,
  );
  writeFileSync(join(bin, 'aws'), '#!/bin/sh\necho arn:aws:sts::123456789012:assumed-role/ci/test\n');
  chmodSync(join(bin, 'terraform'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  return bin;
}

/** Run a make target of mk/terraform.mk from the repository root, with a stub `build`. */
function make(args: string[], env: NodeJS.ProcessEnv) {
  const makefile = join(scratch, 'Makefile.test');
  writeFileSync(makefile, `include ${join(REPO_ROOT, 'mk', 'terraform.mk')}\nbuild:\n\t@echo stub build\n`);
  // $(MAKE) build inside a recipe reads MAKEFILES-less default files; point it at the test makefile.
  return spawnSync('make', ['--no-print-directory', '-f', makefile, `MAKE=make -f ${makefile}`, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 60_000 });
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: join(scratch, 'home'), AWS_EC2_METADATA_DISABLED: 'true' };
  return env;
};

describe('preflight', () => {
  it('names the fix when terraform is missing', () => {
    expect(() => checkTerraform('/nonexistent/terraform')).toThrow(/terraform not found \(tried "\/nonexistent\/terraform"\)\. Install Terraform 1\.10 or later/);
  });

  it('refuses a terraform older than 1.10', () => {
    const bin = join(scratch, 'old-terraform');
    writeFileSync(bin, '#!/bin/sh\necho \'{"terraform_version":"1.9.8"}\'\n');
    chmodSync(bin, 0o755);
    expect(() => checkTerraform(bin)).toThrow(/terraform 1\.9\.8 is too old/);
  });

  it('finds AWS credentials in the environment or a profile, and names the fix when there are none', () => {
    const home = join(scratch, 'aws-home');
    mkdirSync(join(home, '.aws'), { recursive: true });
    expect(awsCredentialSource({}, home)).toBeUndefined();
    expect(awsCredentialSource({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' }, home)).toMatch(/AWS_ACCESS_KEY_ID/);
    writeFileSync(join(home, '.aws', 'config'), '[profile deploy]\nsso_session = corp\n');
    expect(awsCredentialSource({ AWS_PROFILE: 'deploy' }, home)).toMatch(/profile "deploy"/);
    expect(awsCredentialSource({ AWS_PROFILE: 'other' }, home)).toBeUndefined();
    expect(() => checkAwsCredentials({ PATH: '/nonexistent' }, join(scratch, 'empty-home'))).toThrow(/no AWS credentials found\. Set AWS_PROFILE/);
  });

  it('sees whether a root has a backend block (comments do not count)', () => {
    const dir = join(scratch, 'with-backend');
    mkdirSync(dir);
    writeFileSync(join(dir, 'backend.tf'), readFileSync(join(TERRAFORM_DIR, 'backend.tf'), 'utf8'));
    expect(hasBackend(dir)).toBe(false);
    writeFileSync(join(dir, 'backend.tf'), 'terraform {\n  backend "s3" {}\n}\n');
    expect(hasBackend(dir)).toBe(true);
  });

  it('refuses to deploy a plan whose artefact changed since it was made', () => {
    const root = join(scratch, 'artefacts');
    mkdirSync(join(root, 'dist'), { recursive: true });
    mkdirSync(join(root, 'tf'));
    writeFileSync(join(root, 'dist', 'event-consumer.zip'), 'v1');
    recordArtefacts(join(root, 'tf'), 'tfplan', root);
    expect(() => verifyArtefacts(join(root, 'tf'), 'tfplan', root)).not.toThrow();
    writeFileSync(join(root, 'dist', 'event-consumer.zip'), 'v2');
    expect(() => verifyArtefacts(join(root, 'tf'), 'tfplan', root)).toThrow(/dist\/event-consumer\.zip changed since the plan was made/);
  });
});

describe('make', () => {
  it('plan fails fast with a clear message when terraform is missing', () => {
    const run = make(['plan', 'TF=/nonexistent/terraform'], baseEnv());
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/make: terraform not found .* Install Terraform 1\.10 or later/);
    expect(run.stdout).not.toMatch(/stub build/);
  });

  it('plan fails fast with a clear message when AWS credentials are missing', () => {
    const env = { ...baseEnv(), PATH: `${stubBin()}:${process.env.PATH}` };
    const run = make(['plan'], env);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/make: no AWS credentials found\. Set AWS_PROFILE/);
  });

  it('plan runs init, plan -out and show; deploy applies exactly that plan', () => {
    const dir = join(scratch, 'root', 'terraform');
    cpSync(TERRAFORM_DIR, dir, { recursive: true, filter: (src) => !src.includes('.terraform') && !src.endsWith('tfplan') });
    const env = { ...baseEnv(), PATH: `${stubBin()}:${process.env.PATH}`, AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'test' };

    const deployFirst = make(['deploy', `TF_DIR=${dir}`, 'AUTO_APPROVE=1'], env);
    expect(deployFirst.status).not.toBe(0);
    expect(deployFirst.stderr).toMatch(/no saved plan at .*tfplan: run make plan first/);

    const plan = make(['plan', `TF_DIR=${dir}`, 'TF_VARS_FILE=terraform/terraform.tfvars.example'], env);
    expect(plan.stderr + plan.stdout).toMatch(/stub build/);
    expect(plan.status, plan.stderr).toBe(0);
    expect(readFileSync(join(dir, 'plan.txt'), 'utf8')).toMatch(/^Plan: 32 to add/);
    const calls = readFileSync(join(dir, 'terraform-calls.log'), 'utf8').trim().split('\n');
    expect(calls).toEqual([
      `-chdir=${dir} init -input=false`,
      `-chdir=${dir} plan -input=false -var-file=${join(REPO_ROOT, 'terraform', 'terraform.tfvars.example')} -out=tfplan`,
      `-chdir=${dir} show -no-color tfplan`,
    ]);

    const noTty = make(['deploy', `TF_DIR=${dir}`], env);
    expect(noTty.status).not.toBe(0);
    expect(noTty.stderr).toMatch(/set AUTO_APPROVE=1 to apply the saved plan without asking/);

    const deploy = make(['deploy', `TF_DIR=${dir}`, 'AUTO_APPROVE=1'], env);
    expect(deploy.status, deploy.stderr).toBe(0);
    expect(readFileSync(join(dir, 'terraform-calls.log'), 'utf8')).toContain(`-chdir=${dir} apply -input=false tfplan`);
    expect(existsSync(join(dir, 'tfplan'))).toBe(false);
  });

  it('a CI run refuses to plan without remote state', () => {
    const dir = join(scratch, 'ci-root');
    mkdirSync(dir);
    writeFileSync(join(dir, 'versions.tf'), 'terraform {\n  required_version = ">= 1.10"\n}\n');
    const env = { ...baseEnv(), PATH: `${stubBin()}:${process.env.PATH}`, AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'test', CI: 'true' };
    const run = make(['plan', `TF_DIR=${dir}`], env);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/has no backend block: state written by this run would be lost with the runner/);
  });
});
