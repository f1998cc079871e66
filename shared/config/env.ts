// Reading a function's settings from its environment (set by Terraform, or by
// the local stack from the same Terraform defaults). A missing or malformed
// value stops the cold start with a message naming the function, the
// variable and what it must be.
export type Env = Record<string, string | undefined>;

export function envReader(component: string, env: Env) {
  return {
    text(name: string): string {
      const value = env[name];
      if (!value) throw new Error(`${component}: environment variable ${name} is not set; Terraform sets it (locally: scripts/local).`);
      return value;
    },
    optionalText(name: string): string | undefined {
      const value = env[name];
      return value === undefined || value === '' ? undefined : value;
    },
    positive(name: string, fallback: number, below?: number): number {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0 || (below !== undefined && value >= below)) {
        throw new Error(`${component}: environment variable ${name}=${raw} must be a number > 0${below !== undefined ? ` and < ${below}` : ''}.`);
      }
      return value;
    },
    flag(name: string, fallback: boolean): boolean {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new Error(`${component}: environment variable ${name}=${raw} must be true or false.`);
    },
    count(name: string, fallback: number, min = 0): number {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min) {
        throw new Error(`${component}: environment variable ${name}=${raw} must be an integer >= ${min}.`);
      }
      return value;
    },
  };
}
