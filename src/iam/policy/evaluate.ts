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

/** One resource of a call, as its statements are matched against it. */
class Prepared {
  /** The resource's fields, split once when a pattern needs them (null: not an ARN). */
  arn?: string[] | null;
  private own?: ConditionContext;
  constructor(
    readonly resource: string,
    private readonly call: ConditionContext,
  ) {}
  /** The context with the resource's own keys: asked only by a per-resource condition or a policy variable. */
  get context(): ConditionContext {
    return (this.own ??= this.call.forResource?.(this.resource) ?? this.call);
  }
}

const anyMatch = (list: readonly Wildcard[], v: string) => {
  for (const m of list) if (m(v)) return true;
  return false;
};

/** Whether any resource pattern (policy variables filled in, for 2012-10-17 policies) matches. */
function resourceHit(list: readonly (ResourceMatcher | string)[], version: string, p: Prepared) {
  for (const x of list) {
    if (typeof x !== 'string') {
      if (x(p.resource, p)) return true;
      continue;
    }
    const pattern = version === '2012-10-17' ? substitute(x, p.context) : x;
    if (pattern !== undefined && compileResource(pattern)(p.resource, p)) return true;
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

/** Whether a statement's condition block holds (an operator berth does not know never holds). */
function conditionHolds(s: Statement, version: string, ctx: ConditionContext): boolean {
  if (!s.condition) return true;
  const fill = (x: string) => (version === '2012-10-17' ? substitute(x, ctx) : x);
  try {
    return conditionsHold(s.condition, ctx, fill);
  } catch (e) {
    if (!(e instanceof UnknownOperator)) throw e;
    return false;
  }
}

const resourceKeyed = new WeakMap<object, boolean>();
/**
 * Whether a condition block reads a resource's own keys (`aws:ResourceTag/…`, as a key or as a
 * policy variable in a value): such a block is decided per resource, the others once per call.
 */
function readsResource(block: Statement['condition'] & object): boolean {
  let r = resourceKeyed.get(block);
  if (r === undefined) {
    r = Object.values(block).some((keys) =>
      Object.entries(keys).some(
        ([k, values]) =>
          k.toLowerCase().startsWith('aws:resourcetag/') ||
          values.some((v) => v.toLowerCase().includes('${aws:resourcetag/')),
      ),
    );
    resourceKeyed.set(block, r);
  }
  return r;
}

/** One action's decisions under one context, resource by resource. */
export type ResourceDecider = (resource: string) => Decision;

interface Step {
  s: Statement;
  c: Compiled;
  version: string;
  /** Its condition reads the resource's own keys: decided per resource. */
  perResource: boolean;
}

const lowered = new Map<string, string>();
function lowerAction(action: string): string {
  let l = lowered.get(action);
  if (l === undefined) {
    if (lowered.size > 10_000) lowered.clear();
    lowered.set(action, (l = action.toLowerCase()));
  }
  return l;
}

/**
 * The decisions for an action over a set of policies (identity policies; or a resource policy
 * with the caller it names), planned once per call: the statements that name the action are
 * found, and their principal and condition blocks decided, before any resource is looked at. A
 * call over many resources (DescribeTasks of a hundred tasks) then matches each resource against
 * the remaining statements' resource patterns only. A resource's own keys come from
 * `context.forResource`, asked only by a statement that reads them.
 */
export function decisionsFor(
  policies: readonly Policy[],
  action: string,
  context: ConditionContext,
  caller?: Caller,
): ResourceDecider {
  const lower = lowerAction(action);
  const steps: Step[] = [];
  for (const p of policies)
    for (const s of statementsFor(p, lower)) {
      if (s.principal && !(caller && principalMatches(s.principal, caller))) continue;
      if (s.notPrincipal && (!caller || principalMatches(s.notPrincipal, caller))) continue;
      const perResource = s.condition !== undefined && readsResource(s.condition);
      if (!perResource && !conditionHolds(s, p.version, context)) continue;
      steps.push({ s, c: compile(s), version: p.version, perResource });
    }
  if (steps.length === 0) return () => 'ImplicitDeny';
  return (resource) => {
    let allowed = false;
    const p = new Prepared(resource, context);
    for (const { s, c, version, perResource } of steps) {
      if (c.resource && !resourceHit(c.resource, version, p)) continue;
      if (c.notResource && resourceHit(c.notResource, version, p)) continue;
      if (perResource && !conditionHolds(s, version, p.context)) continue;
      if (s.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
    return allowed ? 'Allow' : 'ImplicitDeny';
  };
}

/** The decision for one request over a set of policies (and, for a resource policy, its caller). */
export function evaluate(policies: readonly Policy[], req: AuthzRequest, caller?: Caller): Decision {
  return decisionsFor(policies, req.action, req.context, caller)(req.resource);
}
