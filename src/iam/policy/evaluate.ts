import { compileWildcard, type Wildcard } from '../../kernel/index.js';
import { conditionsHold, UnknownOperator, type RequestContext } from './conditions.js';
import type { Policy, Principals, Statement } from './document.js';

// IAM's evaluation logic for one account: an explicit Deny in any policy wins; else an Allow in
// any policy allows; else the request is implicitly denied.

export interface AuthzRequest {
  /** `service:Operation`, as the caller's API names it (`ecs:RunTask`). */
  action: string;
  /** The resource's ARN, or `*` for an action that has no resource. */
  resource: string;
  /** Condition keys and their values, by lower-cased name (`aws:principalarn`, `aws:sourceip`, …). */
  context: RequestContext;
}

/** Who asks, for resource policies (a role's trust policy): an ARN, an account or a service. */
export interface Caller {
  arn?: string;
  account?: string;
  service?: string;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const matchers = new Map<string, Wildcard>();
/** A compiled glob, kept (policies repeat their patterns on every request); the cache is bounded. */
function glob(pattern: string): Wildcard {
  let m = matchers.get(pattern);
  if (!m) {
    if (matchers.size > 10_000) matchers.clear();
    m = compileWildcard(pattern, { questionMark: true });
    matchers.set(pattern, m);
  }
  return m;
}

const actionMatches = (pattern: string, action: string) => glob(pattern.toLowerCase())(action.toLowerCase());

/**
 * A resource pattern against an ARN: the partition, service, region and account fields each on
 * their own (a wildcard never crosses their colons), the rest as one glob.
 */
function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.split(':');
  const r = resource.split(':');
  if (p.length < 6 || r.length < 6) return false;
  for (let i = 0; i < 5; i++) if (!glob(p[i] as string)(r[i] as string)) return false;
  return glob(p.slice(5).join(':'))(r.slice(5).join(':'));
}

/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${aws:username, 'none'}`,
 * and the escapes `${*}`, `${?}`, `${$}`) filled from the request; undefined when a variable
 * has no value and no default, so that pattern matches nothing.
 */
export function substitute(text: string, ctx: RequestContext): string | undefined {
  if (!text.includes('${')) return text;
  let missing = false;
  const out = text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    const body = inner.trim();
    if (body === '*' || body === '?' || body === '$') return body;
    const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(body);
    const v = m ? ctx.get((m[1] as string).toLowerCase()) : undefined;
    if (typeof v === 'string') return v;
    if (m?.[2] !== undefined) return m[2];
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}

function principalMatches(p: Principals, caller: Caller): boolean {
  if (p === '*') return true;
  const aws = p['AWS'] ?? [];
  const services = p['Service'] ?? [];
  return (
    aws.some(
      (a) =>
        a === '*' ||
        (caller.arn !== undefined && a === caller.arn) ||
        (caller.account !== undefined && (a === caller.account || a === `arn:aws:iam::${caller.account}:root`)),
    ) ||
    (caller.service !== undefined && services.includes(caller.service))
  );
}

function applies(s: Statement, version: string, req: AuthzRequest, caller?: Caller): boolean {
  if (s.action && !s.action.some((a) => actionMatches(a, req.action))) return false;
  if (s.notAction && s.notAction.some((a) => actionMatches(a, req.action))) return false;
  const fill = (x: string) => (version === '2012-10-17' ? substitute(x, req.context) : x);
  const hit = (list: readonly string[]) =>
    list.some((x) => {
      const pattern = fill(x);
      return pattern !== undefined && resourceMatches(pattern, req.resource);
    });
  if (s.resource && !hit(s.resource)) return false;
  if (s.notResource && hit(s.notResource)) return false;
  if (s.principal && !(caller && principalMatches(s.principal, caller))) return false;
  if (s.notPrincipal && (!caller || principalMatches(s.notPrincipal, caller))) return false;
  if (s.condition) {
    try {
      if (!conditionsHold(s.condition, req.context, fill)) return false;
    } catch (e) {
      if (e instanceof UnknownOperator) return false;
      throw e;
    }
  }
  return true;
}

/**
 * The decision for one request over a set of policies (identity policies; or a resource policy
 * with the caller it names).
 */
export function evaluate(policies: readonly Policy[], req: AuthzRequest, caller?: Caller): Decision {
  let allowed = false;
  for (const p of policies)
    for (const s of p.statements) {
      if (!applies(s, p.version, req, caller)) continue;
      if (s.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
