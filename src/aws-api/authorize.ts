import type { AuthzRequest, Decision, Principal } from '../iam/index.js';
import { requestTags, resourcesOf } from './authorize-resources.js';
import { AwsError } from './errors.js';
import type { AwsService } from './service.js';

/** Decides one request for a principal (the iam module's evaluation over the account's policies). */
export type Decide = (principal: Principal, req: AuthzRequest) => Decision;

export interface CallToAuthorize {
  principal: Principal;
  service: AwsService;
  operation: string;
  input: unknown;
  region: string;
  accountId: string;
  sourceIp?: string;
  now: Date;
}

/** The request's condition keys that berth knows, by lower-cased name. */
function contextOf(c: CallToAuthorize): Map<string, string | string[]> {
  const p = c.principal;
  const ctx = new Map<string, string | string[]>([
    ['aws:principalarn', p.role?.arn ?? p.arn],
    ['aws:principalaccount', p.account],
    ['aws:principaltype', p.kind === 'root' ? 'Account' : p.kind === 'user' ? 'User' : 'AssumedRole'],
    ['aws:userid', p.userId],
    ['aws:requestedregion', c.region],
    ['aws:currenttime', c.now.toISOString()],
    ['aws:epochtime', String(Math.floor(c.now.getTime() / 1000))],
    // berth serves plain HTTP; a TLS proxy in front of it is not seen here.
    ['aws:securetransport', 'false'],
  ]);
  if (p.userName) ctx.set('aws:username', p.userName);
  if (c.sourceIp) ctx.set('aws:sourceip', c.sourceIp);
  for (const t of p.tags) ctx.set(`aws:principaltag/${t.key.toLowerCase()}`, t.value);
  const tags = requestTags(c.input);
  for (const [k, v] of tags) ctx.set(`aws:requesttag/${k.toLowerCase()}`, v);
  if (tags.length)
    ctx.set(
      'aws:tagkeys',
      tags.map(([k]) => k),
    );
  return ctx;
}

/**
 * Authorizes one call in strict mode: every resource it acts on must be allowed. A refusal
 * answers in AWS's words: AccessDeniedException (JSON services) or AccessDenied (query).
 */
export function authorizeCall(decide: Decide, c: CallToAuthorize): void {
  if (c.principal.kind === 'root') return;
  const prefix = c.service.signingName;
  // AWS: "No permissions are required to perform this operation", not even under an explicit deny.
  if (prefix === 'sts' && c.operation === 'GetCallerIdentity') return;
  const action = `${prefix}:${c.operation}`;
  const context = contextOf(c);
  for (const resource of resourcesOf(prefix, c.operation, c.input, { region: c.region, account: c.accountId })) {
    const d = decide(c.principal, { action, resource, context });
    if (d === 'Allow') continue;
    const why =
      d === 'ExplicitDeny'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${action} action`;
    const query = c.service.model.metadata.protocol === 'query';
    throw new AwsError(
      query ? 'AccessDenied' : 'AccessDeniedException',
      `User: ${c.principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
      query ? 403 : 400,
    );
  }
}
