import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { recordEvent } from './events.js';
import { NODE, POD } from './kinds.js';
import { kubeObjects, metaOf, resourcePrefix } from './object.js';
import { taintsOf, tolerates, type Taint, type Toleration } from './pod-placement.js';
import { specOf } from './pod-rules.js';

/**
 * The taint manager's eviction: a pod on a node with a NoExecute taint it does not tolerate is
 * deleted at once; one that tolerates it for `tolerationSeconds` is deleted once that long has
 * passed since the taint was added (the least of its tolerations' times); a toleration without
 * seconds keeps it for ever. Returns how many pods it deleted.
 */
export async function evictForTaints(deps: KubeDeps, cluster: string): Promise<number> {
  const { nodes, pods } = deps.store.read((tx) => ({
    nodes: tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: NODE }) }).map((e) => e.value.object),
    pods: tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: POD }) }).map((e) => e.value.object),
  }));
  const tainted = new Map<string, Taint[]>();
  for (const n of nodes) {
    const noExecute = taintsOf(n).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length) tainted.set(metaOf(n).name ?? '', noExecute);
  }
  if (!tainted.size) return 0;
  const now = deps.clock.now().getTime();
  let evicted = 0;
  for (const pod of pods) {
    const taints = tainted.get(specOf(pod).nodeName ?? '');
    const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
    if (!taints || metaOf(pod).deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') continue;
    if (evictAt(specOf(pod).tolerations ?? [], taints, now) > now) continue;
    const ns = metaOf(pod).namespace ?? '';
    const name = metaOf(pod).name ?? '';
    await recordEvent(
      deps,
      cluster,
      pod,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${ns}/${name}`,
      'taint-eviction-controller',
    );
    await deleteObject(deps, { cluster, kind: POD, namespace: ns }, name, {
      preconditions: { uid: metaOf(pod).uid as string },
    }).catch(() => undefined);
    evicted++;
  }
  return evicted;
}

/** When a pod with these tolerations is to go from a node with these NoExecute taints (Infinity: never). */
export function evictAt(tolerations: Toleration[], taints: Taint[], now: number): number {
  let at = Infinity;
  for (const taint of taints) {
    const used = tolerations.find((t) => tolerates(t, taint));
    if (!used) return now;
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    const added = Date.parse(taint.timeAdded ?? '');
    at = Math.min(at, (Number.isNaN(added) ? now : added) + Math.max(0, used.tolerationSeconds) * 1000);
  }
  return at;
}
