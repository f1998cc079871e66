// Values of the deployed stack for `--aws` commands: an environment variable
// first, then `terraform output` of the root module.
import { spawnSync } from 'node:child_process';
import { TERRAFORM_DIR } from '../../shared/config/stack-spec';

export function terraformOutputs(): Record<string, string> {
  const tf = process.env.TF ?? 'terraform';
  const run = spawnSync(tf, [`-chdir=${TERRAFORM_DIR}`, 'output', '-json'], { encoding: 'utf8' });
  if (run.status !== 0 || !run.stdout) return {};
  try {
    const json = JSON.parse(run.stdout) as Record<string, { value?: unknown }>;
    // Strings as they are; a map of strings (messaging_dlq_urls) as "<output>.<key>".
    return Object.fromEntries(
      Object.entries(json).flatMap(([k, v]) => {
        if (typeof v.value === 'string') return [[k, v.value]];
        if (v.value && typeof v.value === 'object' && !Array.isArray(v.value)) {
          return Object.entries(v.value).flatMap(([key, inner]) => (typeof inner === 'string' ? [[`${k}.${key}`, inner]] : []));
        }
        return [];
      }),
    );
  } catch {
    return {};
  }
}

/** `hint` ends the error when a value is missing: what wires the output. */
export function deployedValues(names: Record<string, { env: string; output: string; optional?: string }>, hint: string): Record<string, string> {
  let outputs: Record<string, string> | undefined;
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, { env, output, optional }] of Object.entries(names)) {
    let value = process.env[env];
    if (!value) {
      outputs ??= terraformOutputs();
      value = outputs[output] ?? optional;
    }
    if (value) values[key] = value;
    else missing.push(`${output} (or ${env})`);
  }
  if (missing.length > 0) {
    throw new Error(`--aws: cannot find ${missing.join(', ')}: deploy with \`make deploy\` (${hint}) so \`terraform output\` has them, or set the environment variables.`);
  }
  return values;
}
