import type { ReadTx } from '../store/index.js';
import type { KubeDeps } from './deps.js';
import { NODE } from './kinds.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject, type StoredObject } from './object.js';
import { removeObject } from './objects.js';
import { LOCAL_PATH_PROVISIONER, PERSISTENT_VOLUME, volumeSpecOf } from './storage-kinds.js';

/**
 * The local-path provisioner's deletions: a volume whose claim is gone (reclaim policy Delete) is
 * Released and waits, as a provisioned volume waits for its provisioner, until its node's agent
 * has removed its directory; then it goes. A volume whose node is gone goes at once (there is
 * nothing left to remove).
 */

/** The node a local-path volume lives on (its node affinity's hostname), if it is one. */
export function localPathNode(pv: KubeObject): string | undefined {
  const spec = volumeSpecOf(pv);
  if (spec.csi?.driver !== LOCAL_PATH_PROVISIONER) return undefined;
  for (const term of spec.nodeAffinity?.required?.nodeSelectorTerms ?? [])
    for (const e of term.matchExpressions ?? [])
      if (e.key === 'kubernetes.io/hostname' && e.operator === 'In' && e.values?.length === 1) return e.values[0];
  return undefined;
}

const awaitingRemoval = (pv: KubeObject) =>
  (pv['status'] as { phase?: string } | undefined)?.phase === 'Released' &&
  volumeSpecOf(pv).persistentVolumeReclaimPolicy === 'Delete';

/** Whether a released volume is to wait for its node's agent (its node is there) rather than go now. */
export function waitsForNode(tx: ReadTx, cluster: string, pv: KubeObject): boolean {
  const node = localPathNode(pv);
  return node !== undefined && tx.get(kubeObjects, objectKey({ cluster, kind: NODE }, node)) !== undefined;
}

export class VolumeRemovals {
  private readonly prefix: string;

  constructor(
    private readonly deps: KubeDeps,
    private readonly cluster: string,
  ) {
    this.prefix = resourcePrefix({ cluster, kind: PERSISTENT_VOLUME });
  }

  /** The volumes (by name, the directory's id) the node's agent is to remove. */
  forNode(node: string): string[] {
    return this.deps.store
      .read((tx) => tx.list(kubeObjects, { prefix: this.prefix }))
      .map((e) => e.value.object)
      .filter((pv) => awaitingRemoval(pv) && localPathNode(pv) === node)
      .map((pv) => metaOf(pv).name as string)
      .sort();
  }

  /** The node's agent has removed these: the volumes go (those still released there). */
  async removed(node: string, ids: readonly string[]): Promise<void> {
    await this.deps.store.transact((tx) => {
      for (const id of ids) {
        const key = objectKey({ cluster: this.cluster, kind: PERSISTENT_VOLUME }, id);
        const pv = tx.get(kubeObjects, key)?.value.object;
        if (pv && awaitingRemoval(pv) && localPathNode(pv) === node)
          removeObject(tx, { cluster: this.cluster, kind: PERSISTENT_VOLUME }, key, this.deps.clock.now().getTime());
      }
    });
  }

  /** Calls back with a node when a volume on it may be awaiting removal; returns the unsubscribe. */
  watch(listener: (node: string) => void): () => void {
    return this.deps.store.subscribe((changes) => {
      const nodes = new Set<string>();
      for (const c of changes) {
        if (c.table !== kubeObjects.name || c.type !== 'put' || !c.key.startsWith(this.prefix)) continue;
        const pv = (c.value as StoredObject).object;
        const node = awaitingRemoval(pv) ? localPathNode(pv) : undefined;
        if (node) nodes.add(node);
      }
      for (const n of nodes) listener(n);
    });
  }
}
