import { compileWildcard, type Wildcard } from '../../kernel/index.js';
import { conditionsHold, UnknownOperator, type ConditionContext } from './conditions.js';
import type { Policy, Principals, Statement } from './document.js';

// IAM's evaluation logic for one account: an explicit Deny in any policy wins; else an Allow in
// any policy allows; else the request is implicitly denied.

export interface AuthzRequest {
  /** `service:Operation`, as the caller's API names it (`ecs:RunTask`). */
  action: string;
  /** The resource's ARN, or `*` for an action that has no resource. */
  resource: string;
  /** Condition keys and their values, by lower-cased name (`aws:principalarn`, `aws:sourceip`, …). */
  context: ConditionContext;
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

/** A resource pattern, compiled, against the request's resource (its ARN, split on demand). */
type ResourceMatcher = (resource: string, p: Prepared) => boolean;

/** An ARN's five fields and its resource part, split once per request. */
function splitArn(resource: string): string[] | undefined {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const colon = resource.indexOf(':', at);
    if (colon < 0) return undefined;
    out.push(resource.slice(at, colon));
    at = colon + 1;
  }
  out.push(resource.slice(at));
  return out;
}

/**
 * A resource pattern against an ARN: the partition, service, region and account fields each on
 * their own (a wildcard never crosses their colons), the rest as one glob.
 */
function compileResource(pattern: string): ResourceMatcher {
  if (pattern === '*') return () => true;
  const p = splitArn(pattern);
  if (!p) return () => false;
  // Most patterns name the five fields outright: their text is a prefix, and only the resource
  // part is a glob; the request's ARN is then never split.
  if (p.slice(0, 5).every((f) => !f.includes('*') && !f.includes('?'))) {
    const prefix = `${p.slice(0, 5).join(':')}:`;
    const rest = glob(p[5] as string);
    return (r) => r.startsWith(prefix) && rest(r.slice(prefix.length));
  }
  const fields = p.map((x) => glob(x));
  return (r, prep) => {
    const arn = (prep.arn ??= splitArn(r) ?? null);
    return arn !== null && fields.every((f, i) => f(arn[i] as string));
  };
}

/** A statement's patterns, compiled once (parsed policies are kept, and so are their statements). */
interface Compiled {
  action?: Wildcard[];
  notAction?: Wildcard[];
  /** Patterns with policy variables are compiled per request, after substitution. */
  resource?: (ResourceMatcher | string)[];
  notResource?: (ResourceMatcher | string)[];
}
const compiled = new WeakMap<Statement, Compiled>();
function compile(s: Statement): Compiled {
  let c = compiled.get(s);
  if (!c) {
    const actions = (list: readonly string[]) => list.map((a) => glob(a.toLowerCase()));
    const resources = (list: readonly string[]) => list.map((r) => (r.includes('${') ? r : compileResource(r)));
    c = {
      ...(s.action ? { action: actions(s.action) } : {}),
      ...(s.notAction ? { notAction: actions(s.notAction) } : {}),
      ...(s.resource ? { resource: resources(s.resource) } : {}),
      ...(s.notResource ? { notResource: resources(s.notResource) } : {}),
    };
    compiled.set(s, c);
  }
  return c;
}

/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${aws:username, 'none'}`,
 * and the escapes `${*}`, `${?}`, `${$}`) filled from the request; undefined when a variable
 * has no value and no default, so that pattern matches nothing.
 */
export function substitute(text: string, ctx: ConditionContext): string | undefined {
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

interface Prepared {
  action: string;
  /** The resource's fields, split once when a pattern needs them (null: not an ARN). */
  arn?: string[] | null;
}

const anyMatch = (list: readonly Wildcard[], v: string) => {
  for (const m of list) if (m(v)) return true;
  return false;
};

/** Whether any resource pattern (policy variables filled in, for 2012-10-17 policies) matches. */
function resourceHit(list: readonly (ResourceMatcher | string)[], version: string, req: AuthzRequest, p: Prepared) {
  for (const x of list) {
    if (typeof x !== 'string') {
      if (x(req.resource, p)) return true;
      continue;
    }
    const pattern = version === '2012-10-17' ? substitute(x, req.context) : x;
    if (pattern !== undefined && compileResource(pattern)(req.resource, p)) return true;
  }
  return false;
}

/**
 * A policy's statements whose Action (or NotAction) covers an action, kept per policy and action:
 * a call is decided over the few statements that name its action, not the whole document.
 */
const byAction = new WeakMap<Policy, Map<string, readonly Statement[]>>();
function statementsFor(policy: Policy, action: string): readonly Statement[] {
  let m = byAction.get(policy);
  if (!m) byAction.set(policy, (m = new Map()));
  let list = m.get(action);
  if (!list) {
    list = policy.statements.filter((s) => {
      const c = compile(s);
      return c.action ? anyMatch(c.action, action) : !anyMatch(c.notAction ?? [], action);
    });
    if (m.size > 1000) m.clear();
    m.set(action, list);
  }
  return list;
}

/** Whether a statement whose action matches applies to the request's resource, principal and context. */
function applies(s: Statement, version: string, req: AuthzRequest, p: Prepared, caller?: Caller): boolean {
  const c = compile(s);
  if (c.resource && !resourceHit(c.resource, version, req, p)) return false;
  if (c.notResource && resourceHit(c.notResource, version, req, p)) return false;
  const fill = (x: string) => (version === '2012-10-17' ? substitute(x, req.context) : x);
  if (s.principal && !(caller && principalMatches(s.principal, caller))) return false;
  if (s.notPrincipal && (!caller || principalMatches(s.notPrincipal, caller))) return false;
  if (s.condition) {
    // Conditions read the request's context only, never the resource: a call over several
    // resources (DescribeTasks of ten tasks) decides each block once.
    // A block that reads a resource's tags is decided per resource, never kept.
    const memo = readsResource(s.condition) ? undefined : req.context.outcomes;
    let holds = memo?.get(s.condition);
    if (holds === undefined) {
      try {
        holds = conditionsHold(s.condition, req.context, fill);
      } catch (e) {
        if (!(e instanceof UnknownOperator)) throw e;
        holds = false;
      }
      memo?.set(s.condition, holds);
    }
    if (!holds) return false;
  }
  return true;
}

const resourceKeyed = new WeakMap<object, boolean>();
/** Whether a condition block reads `aws:ResourceTag/…` (a key whose value differs per resource). */
function readsResource(block: Statement['condition'] & object): boolean {
  let r = resourceKeyed.get(block);
  if (r === undefined) {
    r = Object.values(block).some((keys) =>
      Object.keys(keys).some((k) => k.toLowerCase().startsWith('aws:resourcetag/')),
    );
    resourceKeyed.set(block, r);
  }
  return r;
}

/**
 * The decision for one request over a set of policies (identity policies; or a resource policy
 * with the caller it names).
 */
export function evaluate(policies: readonly Policy[], req: AuthzRequest, caller?: Caller): Decision {
  let allowed = false;
  const prepared: Prepared = { action: req.action.toLowerCase() };
  for (const p of policies)
    for (const s of statementsFor(p, prepared.action)) {
      if (!applies(s, p.version, req, prepared, caller)) continue;
      if (s.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
