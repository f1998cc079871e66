// Process environment that points every AWS SDK client (ours and the bundles')
// at the local AWS. Dummy credentials: moto accepts any, and no real account
// is ever reachable from these settings.
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';

export function useLocalAws(endpoint: string, env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_ENDPOINT_URL = endpoint;
  env.AWS_REGION = LOCAL_REGION;
  env.AWS_DEFAULT_REGION = LOCAL_REGION;
  env.AWS_ACCESS_KEY_ID = 'test';
  env.AWS_SECRET_ACCESS_KEY = 'test';
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
}
