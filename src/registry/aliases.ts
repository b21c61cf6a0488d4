import type { RegistryDeps } from './deps.js';

/**
 * The other names an image may give berth's own registry: the loopback spellings of its host
 * and port (an image pushed to `127.0.0.1:4566/app` is the same as `localhost:4566/app`), and
 * the ECR host of berth's account and region, so task definitions copied from AWS
 * (`123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1`) run unchanged.
 */
export function registryAliases(deps: Pick<RegistryDeps, 'registryHost' | 'accountId' | 'region'>): string[] {
  const colon = deps.registryHost.lastIndexOf(':');
  const port = colon >= 0 ? deps.registryHost.slice(colon + 1) : '';
  const loopback = port ? ['localhost', '127.0.0.1', '[::1]'].map((h) => `${h}:${port}`) : [];
  const ecr = `${deps.accountId}.dkr.ecr.${deps.region}.amazonaws.com`;
  return [...new Set([...loopback, ecr])].filter((h) => h !== deps.registryHost);
}
