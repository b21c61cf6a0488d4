import { createOwnedPod, deleteOwnedPod, writeStatus } from './owned-pods.js';
import type { KubeDeps } from './deps.js';
import { DAEMON_SET, NODE } from './kinds.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { isActive, isAvailable, isReady, templateHash } from './owners.js';
import { claimPods } from './pod-claims.js';
import type { LabelSelectorSpec } from './label-selector.js';
import { scaled } from './apps-rules.js';
import { recordRevision } from './controller-revisions.js';
import { affinityFits, untolerated, type Toleration } from './pod-placement.js';

const HASH = 'controller-revision-hash';

type DaemonSpec = {
  selector?: LabelSelectorSpec;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: object };
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
  minReadySeconds?: number;
};

/** The tolerations the DaemonSet controller gives its pods: daemons stay through a node's troubles. */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** A daemon's pod template with the controller's tolerations added (those it does not have already). */
function withDaemonTolerations(template: NonNullable<DaemonSpec['template']>): NonNullable<DaemonSpec['template']> {
  const spec = (template.spec ?? {}) as { tolerations?: Toleration[] };
  const own = spec.tolerations ?? [];
  const added = DAEMON_TOLERATIONS.filter((d) => !own.some((t) => t.key === d.key && t.effect === d.effect));
  return { ...template, spec: { ...spec, tolerations: [...own, ...added] } };
}

/** Whether a node takes a daemon's pod: Ready, schedulable, matching its selector and node affinity, its taints tolerated. */
function eligible(node: KubeObject, template: DaemonSpec['template']): boolean {
  if (!isReady(node)) return false;
  if ((node['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable) return false;
  const spec = (template?.spec ?? {}) as Parameters<typeof affinityFits>[0];
  return affinityFits(spec, node) && !untolerated([...(spec.tolerations ?? []), ...DAEMON_TOLERATIONS], node);
}

/**
 * The DaemonSet controller: one pod of its template on each eligible node (bound to it by name,
 * as the daemon controller does), none elsewhere; a changed template replaces the old pods at most
 * maxUnavailable at a time (or, with OnDelete, when a pod is deleted); the status `kubectl rollout
 * status` reads.
 */
export async function syncDaemonSet(deps: KubeDeps, cluster: string, namespace: string, name: string): Promise<void> {
  const scope = { cluster, kind: DAEMON_SET, namespace };
  const entry = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!entry || metaOf(entry.value.object).deletionTimestamp) return;
  const ds = entry.value.object;
  const uid = metaOf(ds).uid as string;
  const spec = (ds['spec'] ?? {}) as DaemonSpec;
  const hash = templateHash(spec.template);
  const nodes = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: NODE }) }))
    .map((e) => e.value.object)
    .filter((n) => eligible(n, spec.template))
    .map((n) => metaOf(n).name as string);
  const pods = (await claimPods(deps, cluster, ds, { apiVersion: 'apps/v1', kind: 'DaemonSet' }, spec.selector)).filter(
    isActive,
  );
  await recordRevision(deps, cluster, ds, hash, new Set(pods.map((p) => metaOf(p).labels?.[HASH] ?? '')));
  const byNode = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const node = (p['spec'] as { nodeName?: string }).nodeName ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  const remove = (p: KubeObject) =>
    deleteOwnedPod(deps, cluster, ds, p, 'daemonset-controller', `Deleted pod: ${metaOf(p).name ?? ''}`);
  for (const [node, list] of byNode) if (!nodes.includes(node)) for (const p of list) await remove(p);
  const now = deps.clock.now().getTime();
  const outdated = (p: KubeObject) => metaOf(p).labels?.[HASH] !== hash;
  let budget = scaled(spec.updateStrategy?.rollingUpdate?.maxUnavailable, nodes.length, true) || 1;
  budget -= nodes.filter(
    (n) => !(byNode.get(n) ?? []).some((p) => isAvailable(p, spec.minReadySeconds ?? 0, now)),
  ).length;
  for (const node of nodes) {
    const mine = byNode.get(node) ?? [];
    for (const extra of mine.slice(1)) await remove(extra);
    const pod = mine[0];
    if (!pod) {
      await createOwnedPod(
        deps,
        cluster,
        ds,
        { apiVersion: 'apps/v1', kind: 'DaemonSet', component: 'daemonset-controller' },
        withDaemonTolerations(spec.template ?? {}),
        { labels: { [HASH]: hash }, nodeName: node },
      );
    } else if (outdated(pod) && spec.updateStrategy?.type !== 'OnDelete' && budget > 0) {
      budget--;
      await remove(pod);
    }
  }
  const current = pods.filter((p) => nodes.includes((p['spec'] as { nodeName?: string }).nodeName ?? ''));
  const status = {
    currentNumberScheduled: current.length,
    numberMisscheduled: pods.length - current.length,
    desiredNumberScheduled: nodes.length,
    numberReady: current.filter(isReady).length,
    observedGeneration: metaOf(ds).generation ?? 1,
    updatedNumberScheduled: current.filter((p) => !outdated(p)).length,
    numberAvailable: current.filter((p) => isAvailable(p, spec.minReadySeconds ?? 0, now)).length,
    ...(nodes.length - current.filter((p) => isAvailable(p, spec.minReadySeconds ?? 0, now)).length > 0
      ? {
          numberUnavailable:
            nodes.length - current.filter((p) => isAvailable(p, spec.minReadySeconds ?? 0, now)).length,
        }
      : {}),
  };
  await writeStatus(deps, entry.key, uid, status);
}
