import { matchesSelector, type LabelSelectorSpec } from './label-selector.js';
import type { Cause } from './names.js';
import { metaOf, type KubeObject } from './object.js';

/**
 * Inter-pod affinity and anti-affinity, as the scheduler's InterPodAffinity plugin has them: a
 * term picks pods (its label selector, in its namespaces) and a topology key (a node label); a
 * node is in a pod's affinity when a picked pod runs on a node with the same value of that label,
 * and breaks its anti-affinity when one does. Required terms filter (and the pods already placed
 * keep their own required anti-affinity), preferred ones add or take their weight.
 */

export interface PodAffinityTerm {
  labelSelector?: LabelSelectorSpec | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelectorSpec | null;
  topologyKey: string;
}

interface Weighted {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

interface Rules {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: Weighted[];
}

export interface PodAffinitySpec {
  podAffinity?: Rules;
  podAntiAffinity?: Rules;
}

/** A pod already placed: its labels, namespace, node labels, and its own anti-affinity. */
export interface Placed {
  labels: Record<string, string>;
  namespace: string;
  node: Record<string, string>;
  antiAffinity: PodAffinityTerm[];
}

/** What the scheduler knows of the cluster for these rules: the pods placed, the namespaces' labels. */
export interface AffinityView {
  placed: Placed[];
  namespaceLabels: Map<string, Record<string, string>>;
}

const affinityOf = (pod: KubeObject) =>
  ((pod['spec'] as { affinity?: PodAffinitySpec } | undefined)?.affinity ?? {}) as PodAffinitySpec;

export function placedOf(pod: KubeObject, node: KubeObject): Placed {
  return {
    labels: metaOf(pod).labels ?? {},
    namespace: metaOf(pod).namespace ?? '',
    node: metaOf(node).labels ?? {},
    antiAffinity: affinityOf(pod).podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
  };
}

/** Whether a term (of a pod in `ownNamespace`) picks a placed pod. */
function picks(
  term: PodAffinityTerm,
  ownNamespace: string,
  p: { labels: Record<string, string>; namespace: string },
  view: AffinityView,
): boolean {
  if (!matchesSelector(term.labelSelector ?? undefined, p.labels)) return false;
  const listed = term.namespaces ?? [];
  if (term.namespaceSelector)
    return (
      listed.includes(p.namespace) ||
      matchesSelector(term.namespaceSelector, view.namespaceLabels.get(p.namespace) ?? {})
    );
  return listed.length ? listed.includes(p.namespace) : p.namespace === ownNamespace;
}

const sameDomain = (key: string, a: Record<string, string>, b: Record<string, string>) =>
  Object.hasOwn(a, key) && Object.hasOwn(b, key) && a[key] === b[key];

/** Why a node fails the pod's required inter-pod rules (the scheduler's words), or undefined. */
export function podAffinityProblem(pod: KubeObject, node: KubeObject, view: AffinityView): string | undefined {
  const a = affinityOf(pod);
  const ns = metaOf(pod).namespace ?? '';
  const labels = metaOf(pod).labels ?? {};
  const nodeLabels = metaOf(node).labels ?? {};
  for (const term of a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    const matching = view.placed.filter((p) => picks(term, ns, p, view));
    // The first pod of a group that matches its own term may go anywhere the key exists.
    const satisfied = matching.some((p) => sameDomain(term.topologyKey, p.node, nodeLabels));
    const first =
      matching.length === 0 &&
      picks(term, ns, { labels, namespace: ns }, view) &&
      Object.hasOwn(nodeLabels, term.topologyKey);
    if (!satisfied && !first) return "node(s) didn't match pod affinity rules";
  }
  for (const term of a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
    if (view.placed.some((p) => picks(term, ns, p, view) && sameDomain(term.topologyKey, p.node, nodeLabels)))
      return "node(s) didn't match pod anti-affinity rules";
  for (const p of view.placed)
    for (const term of p.antiAffinity)
      if (picks(term, p.namespace, { labels, namespace: ns }, view) && sameDomain(term.topologyKey, p.node, nodeLabels))
        return "node(s) didn't satisfy existing pods anti-affinity rules";
  return undefined;
}

/** The preferred inter-pod rules' score of a node: the weights of the affinity terms met, less those of anti-affinity terms broken. */
export function podAffinityScore(pod: KubeObject, node: KubeObject, view: AffinityView): number {
  const a = affinityOf(pod);
  const ns = metaOf(pod).namespace ?? '';
  const nodeLabels = metaOf(node).labels ?? {};
  const met = (w: Weighted) =>
    view.placed.some(
      (p) => picks(w.podAffinityTerm, ns, p, view) && sameDomain(w.podAffinityTerm.topologyKey, p.node, nodeLabels),
    );
  let score = 0;
  for (const w of a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) if (met(w)) score += w.weight;
  for (const w of a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    if (met(w)) score -= w.weight;
  return score;
}

/** What is wrong with a pod's inter-pod affinity terms. */
export function podAffinityCauses(a: PodAffinitySpec | undefined, field = 'spec.affinity'): Cause[] {
  const causes: Cause[] = [];
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const r = a?.[kind];
    const term = (t: PodAffinityTerm | undefined, f: string) => {
      if (!t || typeof t.topologyKey !== 'string' || !t.topologyKey)
        causes.push({ field: `${f}.topologyKey`, message: 'Required value: can not be empty' });
    };
    (r?.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
      term(t, `${field}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`),
    );
    (r?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
      const f = `${field}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!Number.isInteger(w?.weight) || w.weight < 1 || w.weight > 100)
        causes.push({
          field: `${f}.weight`,
          message: `Invalid value: ${JSON.stringify(w?.weight)}: must be in the range 1-100`,
        });
      term(w?.podAffinityTerm, `${f}.podAffinityTerm`);
    });
  }
  return causes;
}
