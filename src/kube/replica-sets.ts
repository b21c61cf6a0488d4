import { BerthError } from '../kernel/index.js';
import { createOwnedPod, writeStatus } from './owned-pods.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { POD, REPLICA_SET, REPLICATION_CONTROLLER, type KindDef } from './kinds.js';
import { rcSelector } from './core-workload-kinds.js';
import { workloadSpecOf } from './apps-rules.js';
import { matchesSelector } from './label-selector.js';
import { claimPods } from './pod-claims.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { recordEvent } from './events.js';
import { isActive, isAvailable, isReady } from './owners.js';

/** At most this many pods made or removed per pass (a burst is spread over passes, as the API server's slow start does). */
const BURST = 50;

const RS_REF = { apiVersion: 'apps/v1', kind: 'ReplicaSet', component: 'replicaset-controller' };
const RC_REF = { apiVersion: 'v1', kind: 'ReplicationController', component: 'replication-controller' };

/**
 * The ReplicaSet controller: as many active pods of its template as its replicas, made with an
 * owner reference to it, the extra ones removed (unscheduled, then not ready, then newest first),
 * and its status counted from its pods. A ReplicationController is kept the same way (its
 * selector a label map), as Kubernetes' own controller does with the ReplicaSet's code.
 */
export async function syncReplicaSet(
  deps: KubeDeps,
  cluster: string,
  namespace: string,
  name: string,
  kind: KindDef = REPLICA_SET,
): Promise<void> {
  const scope = { cluster, kind, namespace };
  const entry = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!entry || metaOf(entry.value.object).deletionTimestamp) return;
  const rs = entry.value.object;
  const uid = metaOf(rs).uid as string;
  const spec = workloadSpecOf(rs);
  const rc = kind === REPLICATION_CONTROLLER;
  const ref = rc ? RC_REF : RS_REF;
  const selector = rc ? rcSelector(rs) : spec.selector;
  const podScope = { cluster, kind: POD, namespace };
  const pods = await claimPods(deps, cluster, rs, ref, selector);
  const active = pods.filter(isActive);
  const want = spec.replicas ?? 1;
  let failure: string | undefined;
  if (active.length < want) {
    const template = spec.template ?? { spec: { containers: [] } };
    try {
      for (let i = 0; i < Math.min(want - active.length, BURST); i++)
        await createOwnedPod(deps, cluster, rs, ref, template);
    } catch (e) {
      // Refused (a quota over, a LimitRange's bound): said in the status until a pod can be made.
      if (!(e instanceof BerthError && e.kind === 'AccessDenied')) throw e;
      failure = e.message;
    }
  } else if (active.length > want) {
    const rank = (p: KubeObject) => ((p['spec'] as { nodeName?: string }).nodeName ? 1 : 0) + (isReady(p) ? 2 : 0);
    const extra = [...active]
      .sort(
        (a, b) =>
          rank(a) - rank(b) || String(metaOf(b).creationTimestamp).localeCompare(String(metaOf(a).creationTimestamp)),
      )
      .slice(0, Math.min(active.length - want, BURST));
    for (const p of extra) {
      await deleteObject(deps, podScope, metaOf(p).name as string).catch(() => undefined);
      await recordEvent(
        deps,
        cluster,
        rs,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${metaOf(p).name ?? ''}`,
        ref.component,
      );
    }
  }
  const now = deps.clock.now().getTime();
  const labels = spec.template?.metadata?.labels ?? {};
  const status = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => matchesSelector({ matchLabels: labels }, metaOf(p).labels ?? {})).length,
    readyReplicas: active.filter(isReady).length,
    availableReplicas: active.filter((p) => isAvailable(p, spec.minReadySeconds ?? 0, now)).length,
    observedGeneration: metaOf(rs).generation ?? 1,
    ...replicaFailure(rs, failure, deps.clock.now()),
  };
  await writeStatus(deps, entry.key, uid, status);
}

/** The ReplicaFailure condition: while pods cannot be made, why (its time kept while the reason stays). */
function replicaFailure(rs: KubeObject, failure: string | undefined, now: Date): { conditions?: object[] } {
  if (failure === undefined) return {};
  const was = (
    (rs['status'] as { conditions?: { type: string; message?: string; lastTransitionTime?: string }[] })?.conditions ??
    []
  ).find((c) => c.type === 'ReplicaFailure');
  return {
    conditions: [
      {
        type: 'ReplicaFailure',
        status: 'True',
        lastTransitionTime: was?.lastTransitionTime ?? now.toISOString().replace(/\.\d+Z$/, 'Z'),
        reason: 'FailedCreate',
        message: failure,
      },
    ],
  };
}
