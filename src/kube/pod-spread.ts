import { matchesSelector, type LabelSelectorSpec } from './label-selector.js';
import { qualifiedNameProblem, type Cause } from './names.js';
import { metaOf, type KubeObject } from './object.js';
import type { AffinityView } from './pod-affinity.js';

/**
 * Topology spread constraints, as the scheduler's PodTopologySpread plugin has them: the pods a
 * constraint's selector picks (in the pod's namespace; with `matchLabelKeys`, also carrying the
 * pod's own values of those labels) are counted per value of its topology key over the nodes the
 * pod could go to (by its node affinity unless `nodeAffinityPolicy: Ignore`; by its tolerations
 * too with `nodeTaintsPolicy: Honor`); a node is allowed when placing the pod there leaves the
 * difference to the emptiest domain within maxSkew (DoNotSchedule; fewer domains than
 * `minDomains` make the emptiest count zero), or ranked by its domain's count (ScheduleAnyway).
 */

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelectorSpec | null;
  minDomains?: number | null;
  matchLabelKeys?: string[] | null;
  nodeAffinityPolicy?: string | null;
  nodeTaintsPolicy?: string | null;
}

/** What the scheduler knows of the nodes a pod could go to. */
export interface SpreadNodes {
  all: KubeObject[];
  /** Whether the pod's node affinity and selector allow the node. */
  affinity(node: KubeObject): boolean;
  /** Whether the pod tolerates the node's NoSchedule and NoExecute taints. */
  tolerated(node: KubeObject): boolean;
}

const constraintsOf = (pod: KubeObject) =>
  ((pod['spec'] as { topologySpreadConstraints?: SpreadConstraint[] } | undefined)?.topologySpreadConstraints ??
    []) as SpreadConstraint[];

/** The constraint's selector with `matchLabelKeys` folded in: the pod's own values of those keys. */
function selectorOf(c: SpreadConstraint, pod: KubeObject): LabelSelectorSpec | undefined {
  const own = metaOf(pod).labels ?? {};
  const keys = (c.matchLabelKeys ?? []).filter((k) => Object.hasOwn(own, k));
  if (!keys.length) return c.labelSelector ?? undefined;
  const base = c.labelSelector ?? {};
  return {
    ...base,
    matchExpressions: [
      ...(base.matchExpressions ?? []),
      ...keys.map((key) => ({ key, operator: 'In', values: [own[key] as string] })),
    ],
  };
}

/** Matching pods per domain of a constraint, over the domains of the nodes the pod could go to. */
function counts(c: SpreadConstraint, pod: KubeObject, nodes: SpreadNodes, view: AffinityView): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes.all) {
    if (c.nodeAffinityPolicy !== 'Ignore' && !nodes.affinity(n)) continue;
    if (c.nodeTaintsPolicy === 'Honor' && !nodes.tolerated(n)) continue;
    const labels = metaOf(n).labels ?? {};
    if (Object.hasOwn(labels, c.topologyKey)) out.set(labels[c.topologyKey] as string, 0);
  }
  const ns = metaOf(pod).namespace ?? '';
  const selector = selectorOf(c, pod);
  for (const p of view.placed) {
    if (p.namespace !== ns || !matchesSelector(selector, p.labels)) continue;
    const domain = Object.hasOwn(p.node, c.topologyKey) ? p.node[c.topologyKey] : undefined;
    if (domain !== undefined && out.has(domain)) out.set(domain, (out.get(domain) ?? 0) + 1);
  }
  return out;
}

/** Why a node breaks the pod's DoNotSchedule constraints (the scheduler's words), or undefined. */
export function spreadProblem(
  pod: KubeObject,
  node: KubeObject,
  nodes: SpreadNodes,
  view: AffinityView,
): string | undefined {
  const labels = metaOf(node).labels ?? {};
  const self = metaOf(pod).labels ?? {};
  for (const c of constraintsOf(pod)) {
    if (c.whenUnsatisfiable !== 'DoNotSchedule') continue;
    if (!Object.hasOwn(labels, c.topologyKey))
      return "node(s) didn't match pod topology spread constraints (missing required label)";
    const byDomain = counts(c, pod, nodes, view);
    // Fewer domains than minDomains: the emptiest is taken as a domain not there yet, with none.
    const min = byDomain.size < (c.minDomains ?? 1) ? 0 : Math.min(...byDomain.values());
    const here =
      (byDomain.get(labels[c.topologyKey] as string) ?? 0) + (matchesSelector(selectorOf(c, pod), self) ? 1 : 0);
    if (here - min > c.maxSkew) return "node(s) didn't match pod topology spread constraints";
  }
  return undefined;
}

/** ScheduleAnyway constraints' score: the fewer matching pods in the node's domain, the better. */
export function spreadScore(pod: KubeObject, node: KubeObject, nodes: SpreadNodes, view: AffinityView): number {
  const labels = metaOf(node).labels ?? {};
  let score = 0;
  for (const c of constraintsOf(pod)) {
    if (c.whenUnsatisfiable !== 'ScheduleAnyway' || !Object.hasOwn(labels, c.topologyKey)) continue;
    score -= counts(c, pod, nodes, view).get(labels[c.topologyKey] as string) ?? 0;
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
    if (c?.minDomains !== undefined && c.minDomains !== null) {
      if (!Number.isInteger(c.minDomains) || (c.minDomains as number) < 1)
        causes.push({
          field: `${f}.minDomains`,
          message: `Invalid value: ${JSON.stringify(c.minDomains)}: must be greater than zero`,
        });
      else if (c.whenUnsatisfiable !== 'DoNotSchedule')
        causes.push({
          field: `${f}.minDomains`,
          message: `Invalid value: ${JSON.stringify(c.minDomains)}: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable ?? ''}`,
        });
    }
    for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c?.[policy];
      if (v !== undefined && v !== null && v !== 'Honor' && v !== 'Ignore')
        causes.push({
          field: `${f}.${policy}`,
          message: `Unsupported value: ${JSON.stringify(v)}: supported values: "Honor", "Ignore"`,
        });
    }
    const keys = c?.matchLabelKeys;
    if (keys !== undefined && keys !== null) {
      const selector = (c.labelSelector ?? undefined) as LabelSelectorSpec | undefined;
      const inSelector = new Set([
        ...Object.keys(selector?.matchLabels ?? {}),
        ...(selector?.matchExpressions ?? []).map((e) => e.key),
      ]);
      if (!Array.isArray(keys)) causes.push({ field: `${f}.matchLabelKeys`, message: 'Invalid value: must be a list' });
      else if (!selector && keys.length)
        causes.push({
          field: `${f}.matchLabelKeys`,
          message: 'Forbidden: must not be specified when labelSelector is not set',
        });
      else
        keys.forEach((k: unknown, j) => {
          const problem = typeof k === 'string' ? qualifiedNameProblem(k) : 'must be a string';
          if (problem)
            causes.push({
              field: `${f}.matchLabelKeys[${j}]`,
              message: `Invalid value: ${JSON.stringify(k)}: ${problem}`,
            });
          else if (inSelector.has(k as string))
            causes.push({
              field: `${f}.matchLabelKeys[${j}]`,
              message: `Invalid value: ${JSON.stringify(k)}: exists in both matchLabelKeys and labelSelector`,
            });
        });
    }
  });
  return causes;
}
