import type { Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { matchesSelector, type LabelSelectorSpec } from './label-selector.js';
import { kubeObjects, kubeTombstones, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { updateObject } from './objects.js';
import { CLUSTER_ROLE, type PolicyRule } from './rbac-kinds.js';

/**
 * The cluster role aggregation controller: a ClusterRole with an `aggregationRule` holds the rules
 * of every other ClusterRole whose labels one of its selectors matches (in name order, each rule
 * once), so that a role labelled `aggregate-to-view` extends `view`. Aggregated roles are labelled
 * into others in turn (view → edit → admin): each write is a change that brings the next pass.
 */

const rulesOf = (o: KubeObject) => (o['rules'] ?? []) as PolicyRule[];
const selectorsOf = (o: KubeObject) =>
  ((o['aggregationRule'] as { clusterRoleSelectors?: LabelSelectorSpec[] } | null | undefined)?.clusterRoleSelectors ??
    []) as LabelSelectorSpec[];

/** The rules an aggregating role should hold, given every cluster role (sorted by name). */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): PolicyRule[] {
  const name = metaOf(role).name;
  const selectors = selectorsOf(role);
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const other of all) {
    if (metaOf(other).name === name) continue;
    const labels = metaOf(other).labels ?? {};
    if (!selectors.some((s) => matchesSelector(s, labels))) continue;
    for (const r of rulesOf(other)) {
      const key = JSON.stringify(r);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

/** One pass: every aggregating cluster role whose rules differ from its aggregation's is written. */
export async function aggregateClusterRoles(deps: KubeDeps, cluster: string): Promise<number> {
  const scope = { cluster, kind: CLUSTER_ROLE };
  const all = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(scope) }))
    .map((e) => e.value.object)
    .sort((a, b) => ((metaOf(a).name ?? '') < (metaOf(b).name ?? '') ? -1 : 1));
  let written = 0;
  for (const role of all) {
    if (!selectorsOf(role).length) continue;
    const rules = aggregatedRules(role, all);
    if (JSON.stringify(rules) === JSON.stringify(rulesOf(role))) continue;
    await updateObject(deps, scope, metaOf(role).name ?? '', (o) => (o['aggregationRule'] ? { ...o, rules } : o));
    written++;
  }
  return written;
}

/** Passes until nothing changes (a few at most), so that view's change reaches admin through edit at once. */
export async function settleAggregation(deps: KubeDeps, cluster: string): Promise<void> {
  for (let i = 0; i < 8 && (await aggregateClusterRoles(deps, cluster)) > 0; i++);
}

export function startRbacAggregationController(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const prefix = resourcePrefix({ cluster, kind: CLUSTER_ROLE });
  return startControllerLoop(deps, logger, {
    name: 'cluster role aggregation controller',
    keysOf: (c) =>
      (c.table === kubeObjects.name || c.table === kubeTombstones.name) && c.key.startsWith(prefix) ? ['all'] : [],
    all: () => ['all'],
    resyncMs: 60_000,
    sync: () => settleAggregation(deps, cluster),
  });
}
