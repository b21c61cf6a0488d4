import { refusalMessage, type ConditionContext, type Principal, type ResourceDecider } from '../iam/index.js';
import { requestTags, resourcesOf } from './authorize-resources.js';
import { AwsError } from './errors.js';
import type { AwsService } from './service.js';

/**
 * The decisions for a principal's calls (the iam module's evaluation over the account's
 * policies): one action and context planned once, then decided resource by resource.
 */
export type Decide = (principal: Principal) => (action: string, context: ConditionContext) => ResourceDecider;

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
  const ctx: ConditionContext = {
    get(key) {
      if (!known.has(key)) known.set(key, compute(key));
      return known.get(key);
    },
  };
  // aws:ResourceTag/… is the one key that differs from resource to resource.
  const resourceTags = c.resourceTags;
  if (resourceTags)
    ctx.forResource = (resource) => {
      let tags: readonly { key: string; value: string }[] | undefined | null = null;
      return {
        get(key) {
          if (!key.startsWith('aws:resourcetag/')) return ctx.get(key);
          tags ??= resource === '*' ? undefined : resourceTags(resource);
          const want = key.slice(16);
          return tags?.find((t) => t.key.toLowerCase() === want)?.value;
        },
      };
    };
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
  const decideOn = decide(c.principal)(action, contextOf(c));
  for (const resource of resourcesOf(prefix, c.operation, c.input, { region: c.region, account: c.accountId })) {
    const d = decideOn(resource);
    if (d === 'Allow') continue;
    const query = c.service.model.metadata.protocol === 'query';
    throw new AwsError(
      query ? 'AccessDenied' : 'AccessDeniedException',
      refusalMessage(c.principal, action, resource, d),
      query ? 403 : 400,
    );
  }
}
