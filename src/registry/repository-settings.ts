import { invalidParameter, notFound } from '../kernel/errors.js';
import type { RegistryDeps } from './deps.js';
import { repositoryNotFound } from './repositories.js';
import { repositories, type RepositoryRecord } from './tables.js';

/** Read-modify-write of one repository's settings in a single transaction. */
export function updateRepository(
  deps: RegistryDeps,
  name: string,
  change: (r: RepositoryRecord) => RepositoryRecord,
): RepositoryRecord {
  return deps.store.write((tx) => {
    const cur = tx.get(repositories, name);
    if (!cur) throw repositoryNotFound(deps, name);
    return tx.put(repositories, change(cur.value)).value;
  });
}

/** Finds a repository by its ARN, as the tagging API names it. */
export function repositoryByArn(deps: RegistryDeps, arn: string): RepositoryRecord {
  const m = /^arn:aws[a-z-]*:ecr:[^:]+:\d{12}:repository\/(.+)$/.exec(arn);
  if (!m)
    throw invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN: ${arn}'`, {
      field: 'resourceArn',
    });
  const rec = deps.store.read((tx) => tx.get(repositories, m[1] as string));
  if (!rec || rec.value.arn !== arn) throw repositoryNotFound(deps, m[1] as string);
  return rec.value;
}

export function checkPolicyText(text: string, what = 'repository policy'): void {
  try {
    const p = JSON.parse(text) as unknown;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('not an object');
  } catch {
    throw invalidParameter(
      `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid ${what} provided'`,
      {
        field: 'policyText',
      },
    );
  }
}

export function requirePolicy(deps: RegistryDeps, r: RepositoryRecord): string {
  if (r.policyText === undefined) {
    throw notFound(
      `Repository policy does not exist for the repository with name '${r.name}' in the registry with id '${deps.accountId}'`,
      {
        resource: 'policy',
      },
    );
  }
  return r.policyText;
}
