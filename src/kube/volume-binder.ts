import type { ReadTx } from '../store/index.js';
import type { KubeDeps } from './deps.js';
import { NODE, POD } from './kinds.js';
import { localPathNode } from './volume-removals.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { createUnlessExists } from './objects.js';
import { specOf } from './pod-rules.js';
import { isReady } from './owners.js';
import { bytes } from './quantity.js';
import {
  claimSpecOf,
  DEFAULT_CLASS_ANNOTATION,
  LOCAL_PATH_PROVISIONER,
  PERSISTENT_VOLUME,
  PERSISTENT_VOLUME_CLAIM,
  STORAGE_CLASS,
  volumeSpecOf,
} from './storage-kinds.js';

/**
 * The persistent volume controller and berth's local-path provisioner: a claim of the
 * `local-path` class gets a volume `pvc-<claim uid>` on the node its first pod was placed on
 * (WaitForFirstConsumer), or on a Ready node at once (Immediate); a claim of another class, or of
 * none, binds the smallest Available volume that fits. A volume whose claim has gone is deleted
 * or Released, as its reclaim policy says. The volume's directory lives on the node's agent
 * (a shared volume of the agent's, named for the volume).
 */
export const LOCAL_PATH_CLASS = 'local-path';
const HOSTNAME = 'kubernetes.io/hostname';

const phaseOf = (o: KubeObject) => (o['status'] as { phase?: string } | undefined)?.phase;
const claimVolumes = (pod: KubeObject) =>
  (specOf(pod).volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));

/** The `local-path` class, the cluster's default, made at start when missing. */
export async function ensureStorageClass(deps: KubeDeps, cluster: string): Promise<void> {
  const scope = { cluster, kind: STORAGE_CLASS };
  if (deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, LOCAL_PATH_CLASS)))) return;
  await createUnlessExists(deps, scope, {
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
}

/** The node a bound volume is on (its node affinity's hostname), if it says. */
export function volumeNode(pv: KubeObject): string | undefined {
  for (const t of volumeSpecOf(pv).nodeAffinity?.required?.nodeSelectorTerms ?? [])
    for (const m of t.matchExpressions ?? [])
      if (m.key === HOSTNAME && m.operator === 'In' && m.values?.length === 1) return m.values[0];
  return undefined;
}

/**
 * What a pod's claims say about where it may go (for the scheduler): the one node its bound
 * volumes are on, or why it cannot be placed yet, in the scheduler's words.
 */
export function claimPlacement(tx: ReadTx, cluster: string, pod: KubeObject): { node?: string; problem?: string } {
  const namespace = metaOf(pod).namespace ?? '';
  let node: string | undefined;
  for (const name of claimVolumes(pod)) {
    const claim = tx.get(kubeObjects, objectKey({ cluster, kind: PERSISTENT_VOLUME_CLAIM, namespace }, name))?.value
      .object;
    if (!claim) return { problem: `persistentvolumeclaim "${name}" not found` };
    if (metaOf(claim).deletionTimestamp) return { problem: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = claimSpecOf(claim).volumeName;
    if (phaseOf(claim) === 'Bound' && volumeName) {
      const pv = tx.get(kubeObjects, objectKey({ cluster, kind: PERSISTENT_VOLUME }, volumeName))?.value.object;
      const on = pv ? volumeNode(pv) : undefined;
      if (on && node && on !== node) return { problem: 'node(s) had volume node affinity conflict' };
      node = on ?? node;
      continue;
    }
    const cls = tx.get(
      kubeObjects,
      objectKey({ cluster, kind: STORAGE_CLASS }, claimSpecOf(claim).storageClassName ?? ''),
    )?.value.object;
    if (cls?.['volumeBindingMode'] !== 'WaitForFirstConsumer')
      return { problem: 'pod has unbound immediate PersistentVolumeClaims' };
  }
  return node ? { node } : {};
}

export type Decision =
  | { kind: 'provision'; claim: KubeObject; node: string; cls: KubeObject }
  | { kind: 'bind'; claim: KubeObject; pv: KubeObject }
  | { kind: 'wait'; claim: KubeObject; reason: string; message: string; type: 'Normal' | 'Warning' }
  | { kind: 'release'; pv: KubeObject; policy: string };

/** What one claim, or one volume, needs now. */
export function decide(tx: ReadTx, cluster: string): Decision[] {
  const all = (kind: typeof POD) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind }) });
  const claims = all(PERSISTENT_VOLUME_CLAIM).map((e) => e.value.object);
  const volumes = all(PERSISTENT_VOLUME).map((e) => e.value.object);
  const out: Decision[] = [];
  const claimKey = (c: KubeObject) => `${metaOf(c).namespace ?? ''}/${metaOf(c).name ?? ''}`;
  const live = new Map(claims.map((c) => [claimKey(c), c]));
  let nodes: Set<string | undefined> | undefined;
  for (const pv of volumes) {
    const ref = volumeSpecOf(pv).claimRef;
    // A released local-path volume waiting for its node's agent goes if its node has gone.
    const node = localPathNode(pv);
    if (
      phaseOf(pv) === 'Released' &&
      node !== undefined &&
      volumeSpecOf(pv).persistentVolumeReclaimPolicy === 'Delete'
    ) {
      nodes ??= new Set(all(NODE).map((e) => metaOf(e.value.object).name));
      if (!nodes.has(node)) out.push({ kind: 'release', pv, policy: 'Delete' });
      continue;
    }
    if (!ref || phaseOf(pv) === 'Released') continue;
    const c = live.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
    if (!c || (ref.uid && metaOf(c).uid !== ref.uid))
      out.push({ kind: 'release', pv, policy: volumeSpecOf(pv).persistentVolumeReclaimPolicy ?? 'Retain' });
  }
  const taken = new Set(volumes.filter((v) => volumeSpecOf(v).claimRef).map((v) => metaOf(v).name));
  let pods: KubeObject[] | undefined;
  for (const claim of claims) {
    if (phaseOf(claim) === 'Bound' || metaOf(claim).deletionTimestamp) continue;
    const spec = claimSpecOf(claim);
    const want = bytes(spec.resources?.requests?.['storage']) ?? 0;
    const cls = spec.storageClassName
      ? tx.get(kubeObjects, objectKey({ cluster, kind: STORAGE_CLASS }, spec.storageClassName))?.value.object
      : undefined;
    if (cls?.['provisioner'] === LOCAL_PATH_PROVISIONER && !spec.volumeName) {
      let node: string | undefined;
      if (cls['volumeBindingMode'] === 'WaitForFirstConsumer') {
        pods ??= all(POD).map((e) => e.value.object);
        const consumer = pods.find(
          (p) =>
            metaOf(p).namespace === metaOf(claim).namespace &&
            specOf(p).nodeName &&
            claimVolumes(p).includes(metaOf(claim).name ?? ''),
        );
        node = consumer ? specOf(consumer).nodeName : undefined;
        if (!node) {
          out.push({
            kind: 'wait',
            claim,
            type: 'Normal',
            reason: 'WaitForFirstConsumer',
            message: 'waiting for first consumer to be created before binding',
          });
          continue;
        }
      } else node = readyNode(all(NODE).map((e) => e.value.object));
      if (node) out.push({ kind: 'provision', claim, node, cls });
      continue;
    }
    const fits = volumes
      .filter((v) => !taken.has(metaOf(v).name) && !metaOf(v).deletionTimestamp)
      .filter((v) => (spec.volumeName ? metaOf(v).name === spec.volumeName : true))
      .filter((v) => (volumeSpecOf(v).storageClassName ?? '') === (spec.storageClassName ?? ''))
      .filter((v) => (spec.accessModes ?? []).every((m) => volumeSpecOf(v).accessModes?.includes(m)))
      .filter((v) => (bytes(volumeSpecOf(v).capacity?.['storage']) ?? 0) >= want)
      .sort(
        (a, b) =>
          (bytes(volumeSpecOf(a).capacity?.['storage']) ?? 0) - (bytes(volumeSpecOf(b).capacity?.['storage']) ?? 0),
      );
    const pv = fits[0];
    if (pv) {
      taken.add(metaOf(pv).name);
      out.push({ kind: 'bind', claim, pv });
    } else
      out.push({
        kind: 'wait',
        claim,
        type: cls || !spec.storageClassName ? 'Normal' : 'Warning',
        reason: cls || !spec.storageClassName ? 'FailedBinding' : 'ProvisioningFailed',
        message:
          cls || !spec.storageClassName
            ? 'no persistent volumes available for this claim and no storage class is set'
            : `storageclass.storage.k8s.io "${spec.storageClassName}" not found`,
      });
  }
  return out;
}

/** The first Ready node by name (a node's Ready condition reads as a pod's does). */
function readyNode(nodes: KubeObject[]): string | undefined {
  return nodes
    .filter(isReady)
    .map((n) => metaOf(n).name ?? '')
    .sort()[0];
}
