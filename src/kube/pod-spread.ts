import { matchesSelector, type LabelSelectorSpec } from './label-selector.js';
import type { Cause } from './names.js';
import { metaOf, type KubeObject } from './object.js';
import type { AffinityView } from './pod-affinity.js';

/**
 * Topology spread constraints, as the scheduler's PodTopologySpread plugin has them: the pods a
 * constraint's selector picks (in the pod's namespace) are counted per value of its topology key
 * over the nodes the pod could go to; a node is allowed when placing the pod there leaves the
 * difference to the emptiest domain within maxSkew (DoNotSchedule), or ranked by its domain's
 * count (ScheduleAnyway).
 */

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelectorSpec | null;
}

const constraintsOf = (pod: KubeObject) =>
  ((pod['spec'] as { topologySpreadConstraints?: SpreadConstraint[] } | undefined)?.topologySpreadConstraints ??
    []) as SpreadConstraint[];

/** Matching pods per domain of a constraint, over the domains of the nodes the pod could go to. */
function counts(
  c: SpreadConstraint,
  pod: KubeObject,
  candidates: KubeObject[],
  view: AffinityView,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of candidates) {
    const labels = metaOf(n).labels ?? {};
    if (Object.hasOwn(labels, c.topologyKey)) out.set(labels[c.topologyKey] as string, 0);
  }
  const ns = metaOf(pod).namespace ?? '';
  for (const p of view.placed) {
    if (p.namespace !== ns || !matchesSelector(c.labelSelector ?? undefined, p.labels)) continue;
    const domain = Object.hasOwn(p.node, c.topologyKey) ? p.node[c.topologyKey] : undefined;
    if (domain !== undefined && out.has(domain)) out.set(domain, (out.get(domain) ?? 0) + 1);
  }
  return out;
}

/** Why a node breaks the pod's DoNotSchedule constraints (the scheduler's words), or undefined. */
export function spreadProblem(
  pod: KubeObject,
  node: KubeObject,
  candidates: KubeObject[],
  view: AffinityView,
): string | undefined {
  const labels = metaOf(node).labels ?? {};
  const self = metaOf(pod).labels ?? {};
  for (const c of constraintsOf(pod)) {
    if (c.whenUnsatisfiable !== 'DoNotSchedule') continue;
    if (!Object.hasOwn(labels, c.topologyKey))
      return "node(s) didn't match pod topology spread constraints (missing required label)";
    const byDomain = counts(c, pod, candidates, view);
    const min = Math.min(...byDomain.values());
    const here =
      (byDomain.get(labels[c.topologyKey] as string) ?? 0) +
      (matchesSelector(c.labelSelector ?? undefined, self) ? 1 : 0);
    if (here - min > c.maxSkew) return "node(s) didn't match pod topology spread constraints";
  }
  return undefined;
}

/** ScheduleAnyway constraints' score: the fewer matching pods in the node's domain, the better. */
export function spreadScore(pod: KubeObject, node: KubeObject, candidates: KubeObject[], view: AffinityView): number {
  const labels = metaOf(node).labels ?? {};
  let score = 0;
  for (const c of constraintsOf(pod)) {
    if (c.whenUnsatisfiable !== 'ScheduleAnyway' || !Object.hasOwn(labels, c.topologyKey)) continue;
    score -= counts(c, pod, candidates, view).get(labels[c.topologyKey] as string) ?? 0;
  }
  return score;
}

/** What is wrong with a pod's topology spread constraints. */
export function spreadCauses(list: unknown, field = 'spec.topologySpreadConstraints'): Cause[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return [{ field, message: 'Invalid value: must be a list' }];
  const causes: Cause[] = [];
  list.forEach((c: Partial<SpreadConstraint> & Record<string, unknown>, i) => {
    const f = `${field}[${i}]`;
    if (!Number.isInteger(c?.maxSkew) || (c.maxSkew as number) < 1)
      causes.push({
        field: `${f}.maxSkew`,
        message: `Invalid value: ${JSON.stringify(c?.maxSkew)}: must be greater than zero`,
      });
    if (typeof c?.topologyKey !== 'string' || !c.topologyKey)
      causes.push({ field: `${f}.topologyKey`, message: 'Required value: can not be empty' });
    if (c?.whenUnsatisfiable !== 'DoNotSchedule' && c?.whenUnsatisfiable !== 'ScheduleAnyway')
      causes.push({
        field: `${f}.whenUnsatisfiable`,
        message: `Unsupported value: ${JSON.stringify(c?.whenUnsatisfiable ?? '')}: supported values: "DoNotSchedule", "ScheduleAnyway"`,
      });
    for (const unsupported of ['minDomains', 'matchLabelKeys', 'nodeTaintsPolicy'])
      if (c?.[unsupported] !== undefined && c[unsupported] !== null)
        causes.push({
          field: `${f}.${unsupported}`,
          message: `Forbidden: ${unsupported} is not implemented in berth yet`,
        });
  });
  return causes;
}
