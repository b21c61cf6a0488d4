import { metaOf, type KubeObject } from './object.js';
import type { Cause } from './names.js';

/**
 * Where a pod may go, as the scheduler's filters and scores have it: nodeSelector and required
 * node affinity (terms ORed, expressions ANDed, on labels or `metadata.name`), taints a pod must
 * tolerate (NoSchedule, NoExecute), and the preferences that rank the nodes left (preferred node
 * affinity's weights, PreferNoSchedule taints untolerated).
 */

export interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  /** For NoExecute: how long a pod stays once the taint is there (unset: for ever). */
  tolerationSeconds?: number;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] };
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: Term }[];
}

interface PlacementSpec {
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: NodeAffinity };
  tolerations?: Toleration[];
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function matches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = Number(value);
      const want = Number(values[0]);
      if (value === undefined || !Number.isInteger(have) || !Number.isInteger(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

function termMatches(t: Term, node: KubeObject): boolean {
  const labels = metaOf(node).labels ?? {};
  const label = (k: string) => (Object.hasOwn(labels, k) ? labels[k] : undefined);
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  // An empty term matches no node, as the scheduler reads it.
  if (!exprs.length && !fields.length) return false;
  return (
    exprs.every((r) => matches(r, label(r.key))) &&
    fields.every((r) => matches(r, r.key === 'metadata.name' ? metaOf(node).name : undefined))
  );
}

/** Whether a node passes the pod's nodeSelector and required node affinity. */
export function affinityFits(s: PlacementSpec, node: KubeObject): boolean {
  const labels = metaOf(node).labels ?? {};
  if (Object.entries(s.nodeSelector ?? {}).some(([k, v]) => !Object.hasOwn(labels, k) || labels[k] !== v)) return false;
  const terms = s.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms === undefined || terms.some((t) => termMatches(t, node));
}

export const taintsOf = (node: KubeObject): Taint[] =>
  ((node['spec'] as { taints?: Taint[] } | undefined)?.taints ?? []).filter((t) => t && typeof t.key === 'string');

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** The first taint of the node (NoSchedule or NoExecute) the tolerations do not tolerate. */
export function untolerated(tolerations: Toleration[] | undefined, node: KubeObject): Taint | undefined {
  return taintsOf(node).find(
    (taint) => taint.effect !== 'PreferNoSchedule' && !(tolerations ?? []).some((t) => tolerates(t, taint)),
  );
}

/** The scheduler's words for a taint: `{key: value}`. */
export const taintWords = (t: Taint) => `{${t.key}: ${t.value ?? ''}}`;

/** How much a node is preferred: preferred affinity's weights, less for each PreferNoSchedule taint not tolerated. */
export function preference(s: PlacementSpec, node: KubeObject): number {
  let score = 0;
  for (const p of s.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    if (termMatches(p.preference ?? {}, node)) score += p.weight ?? 0;
  for (const taint of taintsOf(node))
    if (taint.effect === 'PreferNoSchedule' && !(s.tolerations ?? []).some((t) => tolerates(t, taint))) score -= 100;
  return score;
}

/** What is wrong with a pod's node affinity and tolerations (the API server's checks). */
export function placementCauses(s: PlacementSpec, field = 'spec'): Cause[] {
  const causes: Cause[] = [];
  const requirement = (r: Requirement, f: string) => {
    if (!OPERATORS.includes(r.operator))
      causes.push({
        field: `${f}.operator`,
        message: `Invalid value: ${JSON.stringify(r.operator)}: not a valid selector operator`,
      });
    else if ((r.operator === 'In' || r.operator === 'NotIn') && !(r.values ?? []).length)
      causes.push({
        field: `${f}.values`,
        message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      });
    else if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && (r.values ?? []).length)
      causes.push({
        field: `${f}.values`,
        message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      });
    else if (
      (r.operator === 'Gt' || r.operator === 'Lt') &&
      ((r.values ?? []).length !== 1 || !/^-?\d+$/.test(r.values?.[0] ?? ''))
    )
      causes.push({
        field: `${f}.values`,
        message: "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
      });
  };
  const term = (t: Term, f: string) => {
    (t.matchExpressions ?? []).forEach((r, i) => requirement(r, `${f}.matchExpressions[${i}]`));
    (t.matchFields ?? []).forEach((r, i) => {
      if (r.key !== 'metadata.name')
        causes.push({
          field: `${f}.matchFields[${i}].key`,
          message: `Invalid value: ${JSON.stringify(r.key)}: not a valid field selector key`,
        });
      requirement(r, `${f}.matchFields[${i}]`);
    });
  };
  const na = s.affinity?.nodeAffinity;
  const af = `${field}.affinity.nodeAffinity`;
  (na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []).forEach((t, i) =>
    term(t, `${af}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`),
  );
  (na?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
    const f = `${af}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    if (!Number.isInteger(p.weight) || p.weight < 1 || p.weight > 100)
      causes.push({
        field: `${f}.weight`,
        message: `Invalid value: ${JSON.stringify(p.weight)}: must be in the range 1-100`,
      });
    term(p.preference ?? {}, `${f}.preference`);
  });
  (s.tolerations ?? []).forEach((t, i) => {
    const f = `${field}.tolerations[${i}]`;
    if (t.operator !== undefined && t.operator !== 'Equal' && t.operator !== 'Exists')
      causes.push({
        field: `${f}.operator`,
        message: `Unsupported value: ${JSON.stringify(t.operator)}: supported values: "Equal", "Exists"`,
      });
    if (t.operator === 'Exists' && t.value)
      causes.push({
        field: `${f}.operator`,
        message: `Invalid value: ${JSON.stringify(t.value)}: value must be empty when \`operator\` is 'Exists'`,
      });
    if (!t.key && t.operator !== 'Exists')
      causes.push({
        field: `${f}.operator`,
        message: `Invalid value: ${JSON.stringify(t.operator ?? '')}: operator must be Exists when \`key\` is empty, which means "match all values and all keys"`,
      });
    if (t.effect && !EFFECTS.includes(t.effect))
      causes.push({
        field: `${f}.effect`,
        message: `Unsupported value: ${JSON.stringify(t.effect)}: supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"`,
      });
  });
  return causes;
}

/** What is wrong with a node's taints. */
export function taintCauses(node: KubeObject): Cause[] {
  const taints = (node['spec'] as { taints?: unknown } | undefined)?.taints;
  if (taints === undefined || taints === null) return [];
  if (!Array.isArray(taints)) return [{ field: 'spec.taints', message: 'Invalid value: must be a list' }];
  const causes: Cause[] = [];
  taints.forEach((t: Partial<Taint> | null, i) => {
    if (!t?.key) causes.push({ field: `spec.taints[${i}].key`, message: 'Required value' });
    if (!t?.effect || !EFFECTS.includes(t.effect))
      causes.push({
        field: `spec.taints[${i}].effect`,
        message: `Unsupported value: ${JSON.stringify(t?.effect ?? '')}: supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
      });
  });
  return causes;
}

/** The node lifecycle's taints: a node not ready, or whose agent is gone. */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/**
 * The DefaultTolerationSeconds admission: a new pod tolerates its node being not ready or
 * unreachable for 300 s before it is evicted, unless it says otherwise.
 */
export function defaultTolerations(pod: KubeObject): void {
  const s = (pod['spec'] ?? {}) as { tolerations?: (Toleration & { tolerationSeconds?: number })[] };
  const list = s.tolerations ?? [];
  const added = [NOT_READY_TAINT, UNREACHABLE_TAINT]
    .filter(
      (key) =>
        !list.some(
          (t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'),
        ),
    )
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }));
  if (added.length) s.tolerations = [...list, ...added];
}

/** A node's NoExecute taints get the time they were added (eviction counts from it), as the API server stamps them. */
export function stampTaints(node: KubeObject): void {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const t of (node['spec'] as { taints?: Taint[] } | undefined)?.taints ?? [])
    if (t && t.effect === 'NoExecute' && !t.timeAdded) t.timeAdded = now;
}
