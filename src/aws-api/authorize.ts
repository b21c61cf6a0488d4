import {
  refusalMessage,
  type AuthzRequest,
  type ConditionContext,
  type Decision,
  type Principal,
} from '../iam/index.js';
import { requestTags, resourcesOf } from './authorize-resources.js';
import { AwsError } from './errors.js';
import type { AwsService } from './service.js';

/** The decisions for a principal's requests (the iam module's evaluation over the account's policies). */
export type Decide = (principal: Principal) => (req: AuthzRequest) => Decision;

export interface CallToAuthorize {
  principal: Principal;
  service: AwsService;
  /** The resources' tags, for `aws:ResourceTag/…` (the region's service knows them). */
  resourceTags?: AwsService['resourceTags'];
  operation: string;
  input: unknown;
  region: string;
  accountId: string;
  sourceIp?: string;
  now: Date;
}

/**
 * The request's condition keys that berth knows, by lower-cased name, each computed when a
 * policy first asks for it (most calls are decided without reading any).
 */
function contextOf(c: CallToAuthorize): ConditionContext {
  const p = c.principal;
  let tags: [string, string][] | undefined;
  const requestTagsOf = () => (tags ??= requestTags(c.input));
  const known = new Map<string, string | readonly string[] | undefined>();
  const compute = (key: string): string | readonly string[] | undefined => {
    switch (key) {
      case 'aws:principalarn':
        return p.role?.arn ?? p.arn;
      case 'aws:principalaccount':
        return p.account;
      case 'aws:principaltype':
        return p.kind === 'root' ? 'Account' : p.kind === 'user' ? 'User' : 'AssumedRole';
      case 'aws:userid':
        return p.userId;
      case 'aws:username':
        return p.userName;
      case 'aws:requestedregion':
        return c.region;
      case 'aws:currenttime':
        return c.now.toISOString();
      case 'aws:epochtime':
        return String(Math.floor(c.now.getTime() / 1000));
      case 'aws:securetransport':
        // berth serves plain HTTP; a TLS proxy in front of it is not seen here.
        return 'false';
      case 'aws:sourceip':
        return c.sourceIp;
      case 'aws:tagkeys': {
        const t = requestTagsOf();
        return t.length ? t.map(([k]) => k) : undefined;
      }
    }
    if (key.startsWith('aws:principaltag/')) {
      const want = key.slice(17);
      return p.tags.find((t) => t.key.toLowerCase() === want)?.value;
    }
    if (key.startsWith('aws:requesttag/')) {
      const want = key.slice(15);
      return requestTagsOf().find(([k]) => k.toLowerCase() === want)?.[1];
    }
    return undefined;
  };
  return {
    get(key) {
      if (!known.has(key)) known.set(key, compute(key));
      return known.get(key);
    },
    outcomes: new Map(),
  };
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
  const base = contextOf(c);
  const decideFor = decide(c.principal);
  for (const resource of resourcesOf(prefix, c.operation, c.input, { region: c.region, account: c.accountId })) {
    // aws:ResourceTag/… is the one key that differs from resource to resource.
    let tags: readonly { key: string; value: string }[] | undefined | null = null;
    const context: ConditionContext = {
      get(key) {
        if (!key.startsWith('aws:resourcetag/')) return base.get(key);
        tags ??= resource === '*' ? undefined : c.resourceTags?.(resource);
        const want = key.slice(16);
        return tags?.find((t) => t.key.toLowerCase() === want)?.value;
      },
      ...(base.outcomes ? { outcomes: base.outcomes } : {}),
    };
    const d = decideFor({ action, resource, context });
    if (d === 'Allow') continue;
    const query = c.service.model.metadata.protocol === 'query';
    throw new AwsError(
      query ? 'AccessDenied' : 'AccessDeniedException',
      refusalMessage(c.principal, action, resource, d),
      query ? 403 : 400,
    );
  }
}
