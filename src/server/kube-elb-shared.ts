import {
  describeTargetGroups,
  deregisterTargets,
  listTargets,
  registerTargets,
  type ElbDeps,
  type TargetGroupRecord,
} from '../elb/index.js';

/** What the Kubernetes load balancers (Services' and Ingresses') share on berth's ELB. */

/** What `find` finds, or undefined when ELB answers it is not there. */
export function unlessMissing<T>(find: () => T): T | undefined {
  try {
    return find();
  } catch (e) {
    if ((e as { kind?: string }).kind === 'NotFound') return undefined;
    throw e;
  }
}

export const findTg = (deps: ElbDeps, name: string): TargetGroupRecord | undefined =>
  unlessMissing(() => describeTargetGroups(deps, { Names: [name] })[0]);

/** A target group's targets brought to `want`: the missing registered, the unwanted deregistered. */
export async function ensureTargets(deps: ElbDeps, tg: TargetGroupRecord, want: { ip: string; port: number }[]) {
  const have = listTargets(deps, tg).filter((t) => t.state !== 'draining');
  const key = (id: string, port: number) => `${id}:${port}`;
  const wanted = new Set(want.map((t) => key(t.ip, t.port)));
  const had = new Set(have.map((t) => key(t.targetId, t.port)));
  const add = want.filter((t) => !had.has(key(t.ip, t.port))).map((t) => ({ Id: t.ip, Port: t.port }));
  const drop = have.filter((t) => !wanted.has(key(t.targetId, t.port))).map((t) => ({ Id: t.targetId, Port: t.port }));
  if (add.length) await registerTargets(deps, tg.arn, add);
  if (drop.length) await deregisterTargets(deps, tg.arn, drop);
}
