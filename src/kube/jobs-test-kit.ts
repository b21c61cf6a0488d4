import { JOB, POD } from './kinds.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { getObject } from './objects.js';
import type { testKube } from './test-kube.js';

/** The Job controller's tests' tools: a Job, its pods, and its pods ended as a node would report them. */
export const ns = 'default';
export const podScope = { cluster: 'c', kind: POD, namespace: ns };
export const jobScope = { cluster: 'c', kind: JOB, namespace: ns };
export type Deps = Awaited<ReturnType<typeof testKube>>;
export const pods = (deps: Deps) => listObjects(deps, podScope).items;

export const job = (name: string, spec: object = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'i' }] } } },
});
/** The job's running pods end, as their node would report them. */
export async function finish(deps: Deps, phase: 'Succeeded' | 'Failed', n = Infinity): Promise<void> {
  let left = n;
  await deps.store.transact((tx) => {
    for (const p of pods(deps)) {
      const st = (p['status'] as { phase?: string } | undefined)?.phase;
      if (left <= 0 || st === 'Succeeded' || st === 'Failed') continue;
      left--;
      const key = objectKey(podScope, metaOf(p).name as string);
      const e = tx.get(kubeObjects, key);
      if (e) tx.put(kubeObjects, { key, object: { ...e.value.object, status: { phase } } });
    }
  });
}
export const conditionOf = (deps: Deps, name: string, type: string) =>
  (
    (
      getObject(deps, jobScope, name)['status'] as {
        conditions?: { type: string; status: string; reason?: string; message?: string }[];
      }
    ).conditions ?? []
  ).find((c) => c.type === type);

export const indexOfPod = (p: KubeObject) =>
  Number(metaOf(p).annotations?.['batch.kubernetes.io/job-completion-index']);
export const statusOf = (deps: Deps, name: string) =>
  getObject(deps, jobScope, name)['status'] as Record<string, unknown>;
/** Ends the running pods `pick` names, as their node would report them (a failure with its exit code). */
export async function end(
  deps: Deps,
  pick: (p: KubeObject) => 'Succeeded' | 'Failed' | undefined,
  exitCode = 1,
  finishedAt?: string,
) {
  await deps.store.transact((tx) => {
    for (const p of pods(deps)) {
      const st = (p['status'] as { phase?: string } | undefined)?.phase;
      const phase = pick(p);
      if (!phase || st === 'Succeeded' || st === 'Failed') continue;
      const key = objectKey(podScope, metaOf(p).name as string);
      const e = tx.get(kubeObjects, key);
      const terminated = { exitCode: phase === 'Succeeded' ? 0 : exitCode, ...(finishedAt ? { finishedAt } : {}) };
      if (e)
        tx.put(kubeObjects, {
          key,
          object: {
            ...e.value.object,
            status: { phase, containerStatuses: [{ name: 'm', state: { terminated } }] },
          },
        });
    }
  });
}
/** Deleting pods go (as their node would confirm). */
export async function reap(deps: Deps) {
  await deps.store.transact((tx) => {
    for (const p of pods(deps))
      if (metaOf(p).deletionTimestamp) tx.delete(kubeObjects, objectKey(podScope, metaOf(p).name as string));
  });
}
