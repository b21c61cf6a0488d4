import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { DEPLOYMENT, REPLICA_SET } from './kinds.js';
import { scaled, workloadSpecOf } from './apps-rules.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { createObject, updateObject } from './objects.js';
import { recordEvent } from './events.js';
import { ownedBy, ownerReference, templateHash } from './owners.js';
import { claimChildren } from './pod-claims.js';
import { timestamp } from './write-rules.js';

export const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';

const replicasOf = (rs: KubeObject) => workloadSpecOf(rs).replicas ?? 0;
const statusOf = (o: KubeObject) =>
  (o['status'] ?? {}) as {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
const revisionOf = (rs: KubeObject) => Number(metaOf(rs).annotations?.[REVISION] ?? 0);

/**
 * The Deployment controller: a ReplicaSet per pod template (named by the template's hash), the
 * current one scaled up and the older ones down within maxSurge and maxUnavailable (or, with
 * Recreate, the old ones to nothing first), old ones kept up to revisionHistoryLimit, and the
 * status and conditions `kubectl rollout status` reads.
 */
export async function syncDeployment(deps: KubeDeps, cluster: string, namespace: string, name: string): Promise<void> {
  const scope = { cluster, kind: DEPLOYMENT, namespace };
  const rsScope = { cluster, kind: REPLICA_SET, namespace };
  const entry = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!entry || metaOf(entry.value.object).deletionTimestamp) return;
  const d = entry.value.object;
  const uid = metaOf(d).uid as string;
  const spec = workloadSpecOf(d);
  const replicas = spec.replicas ?? 1;
  const owned = () =>
    deps.store
      .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(rsScope) }))
      .map((e) => e.value.object)
      .filter((rs) => ownedBy(rs, uid));
  // ReplicaSets it made or that match it, as the Deployment controller claims them.
  await claimChildren(deps, cluster, d, { apiVersion: 'apps/v1', kind: 'Deployment' }, spec.selector, REPLICA_SET);
  let sets = owned();
  const hash = templateHash(spec.template);
  const maxRevision = Math.max(0, ...sets.map(revisionOf));
  let current = sets.find((rs) => metaOf(rs).labels?.[HASH] === hash);
  if (!current) {
    const template = spec.template ?? {};
    const labels = { ...(template.metadata?.labels ?? {}), [HASH]: hash };
    await createObject(deps, rsScope, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${name}-${hash}`,
        labels,
        annotations: {
          [REVISION]: String(maxRevision + 1),
          'deployment.kubernetes.io/desired-replicas': String(replicas),
        },
        ownerReferences: [ownerReference(d, 'apps/v1', 'Deployment')],
      },
      spec: {
        replicas: 0,
        minReadySeconds: spec.minReadySeconds ?? 0,
        selector: { ...(spec.selector ?? {}), matchLabels: { ...(spec.selector?.matchLabels ?? {}), [HASH]: hash } },
        template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
      },
    });
    sets = owned();
    current = sets.find((rs) => metaOf(rs).labels?.[HASH] === hash);
  } else if (revisionOf(current) < maxRevision) {
    // Back to an older template (rollout undo): that ReplicaSet becomes the newest revision.
    const next = String(maxRevision + 1);
    await updateObject(deps, rsScope, metaOf(current).name as string, (rs) => ({
      ...rs,
      metadata: { ...metaOf(rs), annotations: { ...(metaOf(rs).annotations ?? {}), [REVISION]: next } },
    }));
    sets = owned();
    current = sets.find((rs) => metaOf(rs).labels?.[HASH] === hash);
  }
  if (!current) return;
  const old = sets.filter((rs) => rs !== current).sort((a, b) => revisionOf(a) - revisionOf(b));
  const scale = async (rs: KubeObject, to: number) => {
    const from = replicasOf(rs);
    if (from === to) return;
    await recordEvent(
      deps,
      cluster,
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${to > from ? 'up' : 'down'} replica set ${metaOf(rs).name ?? ''} from ${from} to ${to}`,
      'deployment-controller',
    );
    await updateObject(deps, rsScope, metaOf(rs).name as string, (cur) => ({
      ...cur,
      spec: { ...(cur['spec'] as object), replicas: to },
    }));
  };
  if (spec.strategy?.type === 'Recreate') {
    for (const rs of old) await scale(rs, 0);
    if (old.every((rs) => (statusOf(rs).replicas ?? 0) === 0)) await scale(current, replicas);
  } else {
    let surge = scaled(spec.strategy?.rollingUpdate?.maxSurge, replicas, true);
    let unavailable = scaled(spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    surge = Math.max(0, surge);
    const total = sets.reduce((n, rs) => n + replicasOf(rs), 0);
    let want = replicasOf(current);
    if (want > replicas) want = replicas;
    else if (want < replicas) want += Math.max(0, Math.min(replicas + surge - total, replicas - want));
    await scale(current, want);
    // Old pods go as far as availability allows: unavailable ones first (no more than would leave
    // fewer than minAvailable counting the new ones not yet available), then within maxUnavailable.
    const minAvailable = replicas - unavailable;
    const totalNow = total - replicasOf(current) + want;
    const newUnavailable = Math.max(0, want - (statusOf(current).availableReplicas ?? 0));
    let cleanup = Math.max(0, totalNow - minAvailable - newUnavailable);
    const available = sets.reduce((n, rs) => n + (statusOf(rs).availableReplicas ?? 0), 0);
    let room = Math.max(0, available - minAvailable);
    for (const rs of old) {
      const unhealthy = Math.min(cleanup, Math.max(0, replicasOf(rs) - (statusOf(rs).availableReplicas ?? 0)));
      cleanup -= unhealthy;
      const healthy = Math.min(replicasOf(rs) - unhealthy, room);
      room -= healthy;
      await scale(rs, replicasOf(rs) - unhealthy - healthy);
    }
  }
  // History: old ReplicaSets scaled to nothing, beyond revisionHistoryLimit, go.
  const idle = old.filter((rs) => replicasOf(rs) === 0 && (statusOf(rs).replicas ?? 0) === 0);
  for (const rs of idle.slice(0, Math.max(0, idle.length - (spec.revisionHistoryLimit ?? 10))))
    await deleteObject(deps, rsScope, metaOf(rs).name as string).catch(() => undefined);
  await writeStatus(deps, entry.key, uid, d, owned(), current, replicas);
}

async function writeStatus(
  deps: KubeDeps,
  key: string,
  uid: string,
  d: KubeObject,
  sets: KubeObject[],
  current: KubeObject,
  replicas: number,
): Promise<void> {
  const sum = (f: 'replicas' | 'readyReplicas' | 'availableReplicas') =>
    sets.reduce((n, rs) => n + (statusOf(rs)[f] ?? 0), 0);
  const updated = sets.find((rs) => metaOf(rs).uid === metaOf(current).uid);
  const spec = workloadSpecOf(d);
  const unavailable = scaled(spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false);
  const available = sum('availableReplicas');
  const updatedReplicas = updated ? (statusOf(updated).replicas ?? 0) : 0;
  const complete = updatedReplicas === replicas && sum('replicas') === replicas && available === replicas;
  const now = timestamp(deps);
  const prev =
    (
      d['status'] as
        { conditions?: { type: string; status: string; reason?: string; lastTransitionTime?: string }[] } | undefined
    )?.conditions ?? [];
  const cond = (type: string, status: string, reason: string, message: string) => {
    const was = prev.find((c) => c.type === type);
    const same = was?.status === status;
    return {
      type,
      status,
      lastUpdateTime:
        was?.reason === reason && same ? ((was as { lastUpdateTime?: string }).lastUpdateTime ?? now) : now,
      lastTransitionTime: same ? (was?.lastTransitionTime ?? now) : now,
      reason,
      message,
    };
  };
  const rsName = metaOf(current).name as string;
  const status = {
    observedGeneration: metaOf(d).generation ?? 1,
    replicas: sum('replicas'),
    updatedReplicas,
    readyReplicas: sum('readyReplicas'),
    availableReplicas: available,
    ...(replicas - available > 0 ? { unavailableReplicas: replicas - available } : {}),
    conditions: [
      available >= replicas - unavailable
        ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      complete
        ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
        : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
    ],
  };
  const revision = metaOf(current).annotations?.[REVISION];
  await deps.store.transact((tx) => {
    const e = tx.get(kubeObjects, key);
    if (!e || metaOf(e.value.object).uid !== uid) return;
    const o = e.value.object;
    const annotations = { ...(metaOf(o).annotations ?? {}), ...(revision ? { [REVISION]: revision } : {}) };
    // The status is compared without its times, so that an unchanged rollout writes nothing.
    const plain = (s: unknown) =>
      JSON.stringify(s, (k, v: unknown) => (k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : v));
    if (plain(o['status']) === plain(status) && metaOf(o).annotations?.[REVISION] === revision) return;
    tx.put(kubeObjects, { key, object: { ...o, metadata: { ...metaOf(o), annotations }, status } });
  });
}
