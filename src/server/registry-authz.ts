import { credentialOf, decider, refusalMessage, sessionExpired, type IamDeps } from '../iam/index.js';
import { passwordKey, type RegistryDeps } from '../registry/index.js';

/**
 * In strict mode, whether the holder of a registry token may do an ECR action on a repository:
 * the token names the access key that asked for it, and that key's principal is decided by the
 * account's policies, as every AWS call is. A token of a root key (or one berth minted for its own
 * agents) may do anything. Answers the refusal's message, or undefined when allowed.
 */
export function registryAuthorization(
  iam: IamDeps,
  rootKeys: ReadonlyMap<string, string>,
  password: string,
  action: string,
  repository: string | undefined,
  r: RegistryDeps,
): string | undefined {
  const key = passwordKey(password);
  if (key === undefined || rootKeys.has(key)) return undefined;
  const c = credentialOf(iam, key);
  // The key was deleted, or its session has run out, since the token was issued.
  if (!c || sessionExpired(iam, c)) return 'The security token included in the request is invalid.';
  const resource = repository ? `arn:aws:ecr:${r.region}:${r.accountId}:repository/${repository}` : '*';
  const context = new Map<string, string>([
    ['aws:requestedregion', r.region],
    ['aws:principalarn', c.principal.role?.arn ?? c.principal.arn],
    ['aws:securetransport', 'false'],
    ...(c.principal.userName ? [['aws:username', c.principal.userName] as [string, string]] : []),
  ]);
  const d = decider(iam, c.principal)(action, context)(resource);
  return d === 'Allow' ? undefined : refusalMessage(c.principal, action, resource, d);
}
