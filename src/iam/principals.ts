import { now, type IamDeps } from './deps.js';
import { findEntity } from './entities.js';
import {
  accessKeys,
  sessions,
  type Identity,
  type ManagedPolicyRecord,
  type RoleRecord,
  type UserRecord,
} from './identity-tables.js';
import { defaultDocument, findManagedPolicy } from './managed.js';
import { parsePolicy, type Policy } from './policy/document.js';
import type { ConditionContext } from './policy/conditions.js';
import { decisionsFor, type Decision, type ResourceDecider } from './policy/evaluate.js';
import type { Tag } from './tables.js';

// Who signed a request, and what their policies allow.

export interface Principal {
  kind: 'root' | 'user' | 'assumed-role';
  /** The caller's ARN as GetCallerIdentity and AccessDenied messages name it. */
  arn: string;
  userId: string;
  account: string;
  userName?: string;
  role?: { name: string; arn: string; id: string; sessionName: string };
  /** A session policy the session was narrowed with. */
  sessionPolicy?: string;
  tags: readonly Tag[];
}

/** What a signing key stands for: its secret, its principal, and for temporary keys the token and expiry. */
export interface Credential {
  secret: string;
  principal: Principal;
  sessionToken?: string;
  expiresAt?: number;
}

export const rootPrincipal = (accountId: string): Principal => ({
  kind: 'root',
  arn: `arn:aws:iam::${accountId}:root`,
  userId: accountId,
  account: accountId,
  tags: [],
});

// Opening a sealed secret costs an AES-GCM decryption; keys sign every request, so the opened
// secret is kept by its sealed text (which changes whenever the key does). Bounded.
const opened = new Map<string, string>();
function open(deps: IamDeps, sealed: string, boundTo: string): string {
  let s = opened.get(sealed);
  if (s === undefined) {
    if (opened.size > 10_000) opened.clear();
    s = deps.sealer.open(sealed, boundTo);
    opened.set(sealed, s);
  }
  return s;
}

/** A role session as a principal: `assumed-role/<role>/<session>`, acting with the role's policies. */
export function sessionPrincipal(
  deps: IamDeps,
  role: { name: string; arn: string; id: string },
  sessionName: string,
  tags: readonly Tag[],
  sessionPolicy?: string,
): Principal {
  return {
    kind: 'assumed-role',
    arn: `arn:aws:sts::${deps.accountId}:assumed-role/${role.name}/${sessionName}`,
    userId: `${role.id}:${sessionName}`,
    account: deps.accountId,
    role: { name: role.name, arn: role.arn, id: role.id, sessionName },
    ...(sessionPolicy ? { sessionPolicy } : {}),
    tags,
  };
}

const userPrincipal = (deps: IamDeps, u: UserRecord): Principal => ({
  kind: 'user',
  arn: u.arn,
  userId: u.id,
  account: deps.accountId,
  userName: u.name,
  tags: u.tags,
});

/**
 * The credential an access key id names: an active IAM user key, or an STS session's key (even
 * one that has expired: the caller is then told so). Undefined for a key berth never issued.
 */
export function credentialOf(deps: IamDeps, accessKeyId: string): Credential | undefined {
  if (accessKeyId.startsWith('ASIA')) {
    const s = deps.store.read((tx) => tx.get(sessions, accessKeyId))?.value;
    if (!s) return undefined;
    const secret = open(deps, s.sealed, `session:${s.id}`);
    let principal: Principal;
    if (s.role) {
      const role = findEntity<RoleRecord>(deps, 'role', s.role.name);
      principal = sessionPrincipal(deps, s.role, s.role.sessionName, role?.tags ?? [], s.sessionPolicy);
    } else if (s.userName) {
      const u = findEntity<UserRecord>(deps, 'user', s.userName);
      if (!u) return undefined;
      principal = userPrincipal(deps, u);
    } else principal = rootPrincipal(deps.accountId);
    return { secret, principal, sessionToken: s.token, expiresAt: s.expiresAt };
  }
  const k = deps.store.read((tx) => tx.get(accessKeys, accessKeyId))?.value;
  if (!k || k.status !== 'Active') return undefined;
  const u = findEntity<UserRecord>(deps, 'user', k.userName);
  if (!u) return undefined;
  return { secret: open(deps, k.sealed, `access-key:${k.id}`), principal: userPrincipal(deps, u) };
}

// Parsed policies by their text: the same few documents are read on every request.
const parsed = new Map<string, Policy>();
function policyOf(text: string): Policy | undefined {
  let p = parsed.get(text);
  if (!p) {
    try {
      p = parsePolicy(text);
    } catch {
      return undefined;
    }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, p);
  }
  return p;
}

/**
 * An identity's policies: its inline ones and the default versions of those attached. Stored
 * records are frozen copies, one per revision, so the parsed list is kept per record and per
 * the attached policies' records, and made again when any of them changes.
 */
const byIdentity = new WeakMap<Identity, { managed: (ManagedPolicyRecord | undefined)[]; policies: Policy[] }>();
function policiesOfIdentity(deps: IamDeps, e: Identity): Policy[] {
  const managed = e.attached.map((arn) => findManagedPolicy(deps, arn));
  const kept = byIdentity.get(e);
  if (kept && kept.managed.length === managed.length && kept.managed.every((m, i) => m === managed[i]))
    return kept.policies;
  const texts = [...e.inline.map((p) => p.document), ...managed.flatMap((m) => (m ? [defaultDocument(m)] : []))];
  const policies = texts.map(policyOf).filter((p): p is Policy => p !== undefined);
  if (Object.isFrozen(e)) byIdentity.set(e, { managed, policies });
  return policies;
}

/**
 * The decisions for one principal: the root may do anything; a user or a role session what its
 * policies allow, a session narrowed by a session policy only what both allow. The principal's
 * policies are read once; each call's action and context are then planned once for all of the
 * call's resources (policy/evaluate.ts).
 */
export function decider(deps: IamDeps, p: Principal): (action: string, context: ConditionContext) => ResourceDecider {
  if (p.kind === 'root') return () => () => 'Allow';
  const e =
    p.kind === 'user'
      ? findEntity<UserRecord>(deps, 'user', p.userName as string)
      : findEntity<RoleRecord>(deps, 'role', (p.role as { name: string }).name);
  // A role or user deleted since the key was issued: its sessions can do nothing.
  if (!e || (p.role && e.arn !== p.role.arn)) return () => () => 'ImplicitDeny';
  const own = policiesOfIdentity(deps, e);
  const session = p.sessionPolicy !== undefined ? (policyOf(p.sessionPolicy) ?? null) : undefined;
  return (action, context) => {
    const mine = decisionsFor(own, action, context);
    if (session === undefined) return mine;
    const narrowed = session ? decisionsFor([session], action, context) : () => 'ImplicitDeny' as const;
    return (resource) => {
      const d = mine(resource);
      return d === 'Allow' ? narrowed(resource) : d;
    };
  };
}

export const sessionExpired = (deps: IamDeps, c: Credential) => c.expiresAt !== undefined && c.expiresAt <= now(deps);

/** IAM's words for a refused request, as AWS's services answer them. */
export function refusalMessage(p: Principal, action: string, resource: string, d: Decision): string {
  const why =
    d === 'ExplicitDeny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
  return `User: ${p.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
