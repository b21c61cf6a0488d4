import { invalidParameter, notFound, parseJson } from '../kernel/index.js';
import type { RegistryDeps } from './deps.js';
import { repositoryNotFound } from './repositories.js';
import { repositories, type RepositoryRecord } from './tables.js';

/** Read-modify-write of one repository's settings in a single transaction. */
export async function updateRepository(
  deps: RegistryDeps,
  name: string,
  change: (r: RepositoryRecord) => RepositoryRecord,
): Promise<RepositoryRecord> {
  return await deps.store.transact((tx) => {
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * An IAM policy document as ECR takes one: an object with a Statement (one or a list), each with an
 * Effect of Allow or Deny, an Action (or NotAction) and, for a resource policy, a Principal (or
 * NotPrincipal). Anything else is refused as ECR refuses it.
 */
function validPolicy(p: unknown, resourcePolicy: boolean): boolean {
  if (!isObject(p) || !has(p, 'Statement')) return false;
  const statements = Array.isArray(p['Statement']) ? p['Statement'] : [p['Statement']];
  return (
    statements.length > 0 &&
    statements.every(
      (s) =>
        isObject(s) &&
        (s['Effect'] === 'Allow' || s['Effect'] === 'Deny') &&
        (has(s, 'Action') || has(s, 'NotAction')) &&
        (!resourcePolicy || has(s, 'Principal') || has(s, 'NotPrincipal')),
    )
  );
}

export function checkPolicyText(text: string, what = 'repository policy'): void {
  try {
    if (!validPolicy(parseJson(text), what === 'repository policy')) throw new Error('not a policy');
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
