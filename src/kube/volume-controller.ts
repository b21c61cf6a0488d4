import { uuid, type Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { recordEvent } from './events.js';
import { POD } from './kinds.js';
import { changedObject, kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { removeObject } from './objects.js';
import {
  claimSpecOf,
  LOCAL_PATH_PROVISIONER,
  PERSISTENT_VOLUME,
  PERSISTENT_VOLUME_CLAIM,
  STORAGE_CLASS,
  volumeSpecOf,
} from './storage-kinds.js';
import { decide, type Decision } from './volume-binder.js';
import { waitsForNode } from './volume-removals.js';
import { timestamp } from './write-rules.js';

const claimKey = (cluster: string, c: KubeObject) =>
  objectKey({ cluster, kind: PERSISTENT_VOLUME_CLAIM, namespace: metaOf(c).namespace ?? '' }, metaOf(c).name ?? '');
const volumeKey = (cluster: string, name: string) => objectKey({ cluster, kind: PERSISTENT_VOLUME }, name);

/** The claim bound to `pv`, in one transaction with the volume's own write (or neither). */
async function bind(
  deps: KubeDeps,
  cluster: string,
  claim: KubeObject,
  pv: KubeObject,
  create: boolean,
): Promise<boolean> {
  const name = metaOf(pv).name ?? '';
  return deps.store.transact((tx) => {
    const key = claimKey(cluster, claim);
    const entry = tx.get(kubeObjects, key);
    const now = entry?.value.object;
    if (!now || metaOf(now).uid !== metaOf(claim).uid || (now['status'] as { phase?: string })?.phase === 'Bound')
      return false;
    const vKey = volumeKey(cluster, name);
    const existing = tx.get(kubeObjects, vKey)?.value.object;
    if (create ? existing : !existing || volumeSpecOf(existing).claimRef) return false;
    const ref = {
      kind: 'PersistentVolumeClaim',
      namespace: metaOf(now).namespace,
      name: metaOf(now).name,
      uid: metaOf(now).uid,
      apiVersion: 'v1',
      resourceVersion: String(entry?.modRevision ?? ''),
    };
    const volume = { ...pv, spec: { ...volumeSpecOf(pv), claimRef: ref }, status: { phase: 'Bound' } };
    tx.put(kubeObjects, { key: vKey, object: volume });
    const meta = metaOf(now);
    tx.put(kubeObjects, {
      key,
      object: {
        ...now,
        metadata: {
          ...meta,
          annotations: {
            ...meta.annotations,
            'pv.kubernetes.io/bind-completed': 'yes',
            ...(create ? { 'pv.kubernetes.io/bound-by-controller': 'yes' } : {}),
          },
        },
        spec: { ...claimSpecOf(now), volumeName: name },
        status: {
          phase: 'Bound',
          accessModes: volumeSpecOf(pv).accessModes,
          capacity: { storage: volumeSpecOf(pv).capacity?.['storage'] },
        },
      },
    });
    return true;
  });
}

/** Carries out what `decide` found; `said` keeps the waits already told (one event each). */
export async function applyDecision(deps: KubeDeps, cluster: string, d: Decision, said: Set<string>): Promise<void> {
  if (d.kind === 'provision') {
    const spec = claimSpecOf(d.claim);
    const name = `pvc-${metaOf(d.claim).uid ?? uuid()}`;
    const pv: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name,
        uid: uuid(),
        creationTimestamp: timestamp(deps),
        annotations: { 'pv.kubernetes.io/provisioned-by': LOCAL_PATH_PROVISIONER },
      },
      spec: {
        capacity: { storage: spec.resources?.requests?.['storage'] },
        accessModes: spec.accessModes,
        persistentVolumeReclaimPolicy: d.cls['reclaimPolicy'] ?? 'Delete',
        storageClassName: metaOf(d.cls).name,
        volumeMode: spec.volumeMode ?? 'Filesystem',
        csi: { driver: LOCAL_PATH_PROVISIONER, volumeHandle: name },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [d.node] }] },
            ],
          },
        },
      },
    };
    if (await bind(deps, cluster, d.claim, pv, true))
      await recordEvent(
        deps,
        cluster,
        d.claim,
        'Normal',
        'ProvisioningSucceeded',
        `Successfully provisioned volume ${name} on node ${d.node}`,
        LOCAL_PATH_PROVISIONER,
      );
  } else if (d.kind === 'bind') {
    await bind(deps, cluster, d.claim, d.pv, false);
  } else if (d.kind === 'wait') {
    const note = `${metaOf(d.claim).uid ?? ''}/${d.reason}`;
    if (said.has(note)) return;
    said.add(note);
    await recordEvent(deps, cluster, d.claim, d.type, d.reason, d.message, 'persistentvolume-controller');
  } else {
    const name = metaOf(d.pv).name ?? '';
    await deps.store.transact((tx) => {
      const key = volumeKey(cluster, name);
      const e = tx.get(kubeObjects, key);
      if (!e || metaOf(e.value.object).uid !== metaOf(d.pv).uid) return;
      // A local-path volume to delete waits, Released, for its node's agent to remove its directory.
      if (d.policy === 'Delete' && !waitsForNode(tx, cluster, e.value.object))
        removeObject(tx, { cluster, kind: PERSISTENT_VOLUME }, key, deps.clock.now().getTime());
      else tx.put(kubeObjects, { key, object: { ...e.value.object, status: { phase: 'Released' } } });
    });
  }
}

/** The controller: a pass over claims and volumes whenever a claim, a volume, a class or a pod changes. */
export function startVolumeController(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const prefixes = [PERSISTENT_VOLUME_CLAIM, PERSISTENT_VOLUME, STORAGE_CLASS, POD].map((kind) =>
    resourcePrefix({ cluster, kind }),
  );
  const said = new Set<string>();
  return startControllerLoop(deps, logger, {
    name: 'volume controller',
    keysOf: (c) => (changedObject(c) && prefixes.some((p) => c.key.startsWith(p)) ? ['pass'] : []),
    all: () => ['pass'],
    async sync() {
      for (const d of deps.store.read((tx) => decide(tx, cluster))) await applyDecision(deps, cluster, d, said);
    },
  });
}
