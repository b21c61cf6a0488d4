import { createHash } from 'node:crypto';
import { conflict } from '../kernel/index.js';
import { defineTable } from '../store/index.js';
import { now, type ControlPlaneDeps } from './deps.js';

/**
 * Idempotency by client token, as ECS keeps it: a token is scoped to its operation and cluster,
 * lives 24 hours, and a retry with the same token and the same parameters answers what the first
 * call made instead of making it again; the same token with other parameters is a
 * ConflictException. (The SDKs send one token per call and keep it across their retries.)
 */
export const CLIENT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

interface ClientTokenRecord {
  scope: string;
  token: string;
  /** A hash of every parameter but the token itself. */
  params: string;
  /** What the first call made (task or service ARNs). */
  resourceIds: string[];
  /** Whatever else the first answer held that a replay must repeat (RunTask's failures). */
  extra?: unknown;
  expiresAt: number;
}

export const clientTokens = defineTable<ClientTokenRecord>('ecs.client-tokens', (r) => `${r.scope}/${r.token}`);

/** A stable hash of a request's parameters: keys sorted, the token left out. */
function paramsHash(params: Record<string, unknown>): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object' && !(v instanceof Date)
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => k !== 'clientToken')
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(params)))
    .digest('hex');
}

/**
 * Runs `make` once per live token: a first call runs it and records the ARNs it returns; a
 * retry gets `replay(arns)`. Without a token, `make` simply runs.
 */
export async function withClientToken<R>(
  deps: ControlPlaneDeps,
  scope: string,
  token: string | undefined,
  params: Record<string, unknown>,
  make: () => Promise<{ result: R; resourceIds: string[]; extra?: unknown }>,
  replay: (resourceIds: string[], extra: unknown) => R,
): Promise<R> {
  if (token === undefined) return (await make()).result;
  const hash = paramsHash(params);
  const key = `${scope}/${token}`;
  const t = now(deps);
  const seen = deps.store.read((tx) => tx.get(clientTokens, key))?.value;
  if (seen && seen.expiresAt > t) {
    if (seen.params !== hash) {
      throw conflict(
        `The client token ${token} has already been used with different parameters (resources: ${seen.resourceIds.join(', ') || 'none'}).`,
        { reason: 'token-reused' },
      );
    }
    return replay(seen.resourceIds, seen.extra);
  }
  const made = await make();
  await deps.store.transact((tx) =>
    tx.put(clientTokens, {
      scope,
      token,
      params: hash,
      resourceIds: made.resourceIds,
      ...(made.extra !== undefined ? { extra: made.extra } : {}),
      expiresAt: t + CLIENT_TOKEN_TTL_MS,
    }),
  );
  return made.result;
}

/** Drops tokens past their 24 hours (run with the other retention passes). */
export async function expireClientTokens(deps: ControlPlaneDeps): Promise<number> {
  const t = now(deps);
  const stale = deps.store.read((tx) =>
    tx
      .list(clientTokens)
      .filter((e) => e.value.expiresAt <= t)
      .map((e) => e.key),
  );
  if (stale.length > 0) await deps.store.transact((tx) => stale.forEach((k) => tx.delete(clientTokens, k)));
  return stale.length;
}
