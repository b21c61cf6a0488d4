import { BerthError } from '../kernel/index.js';
import type { WriteTx } from '../store/index.js';
import type { KubeDeps } from './deps.js';
import {
  anyWebhooks,
  mutateByWebhooks,
  validateByWebhooks,
  type AdmissionRequest,
  type UserInfo,
} from './admission-webhooks.js';
import { NAMESPACE, POD } from './kinds.js';
import { kubeObjects, metaOf, missing, objectKey, served, type KubeObject, type Scope } from './object.js';
import { removeObject } from './objects.js';
import type { DeleteOptions } from './schemas.js';
import { timestamp } from './write-rules.js';

/** The namespaces the API server keeps: they may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** What a delete did: removed the object at once, or marked it for deletion (finalizers pending); with the warnings to answer. */
export type Deleted = ({ gone: true; object: KubeObject } | { gone: false; object: KubeObject }) & {
  warnings?: string[];
};

/** The garbage collector's finalizers: an owner deleted with Orphan, or with Foreground (garbage-collector.ts). */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** The API server's warning for a Job deleted without a propagation policy (its pods stay). */
const JOB_ORPHANS =
  'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';

/** The cascade a delete asks, as the API server reads it (a batch/v1 Job's default orphans its pods). */
function policyOf(k: string, o: DeleteOptions): { policy: string; warnings: string[] } {
  if (o.propagationPolicy) return { policy: o.propagationPolicy, warnings: [] };
  if (o.orphanDependents === true) return { policy: 'Orphan', warnings: [] };
  if (o.orphanDependents === false) return { policy: 'Background', warnings: [] };
  return k === 'Job' ? { policy: 'Orphan', warnings: [JOB_ORPHANS] } : { policy: 'Background', warnings: [] };
}

/**
 * Deletes an object, as the API server does: preconditions first; an object with finalizers (a
 * namespace always has its own) gets a deletionTimestamp and stays until they are gone; any other
 * goes at once.
 */
export async function deleteObject(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  options: DeleteOptions = {},
  /** Who deletes, as admission webhooks are told (none: the controllers). */
  user?: UserInfo,
): Promise<Deleted> {
  const key = objectKey(scope, name);
  const k = scope.kind;
  // Orphan and Foreground are the garbage collector's finalizers (garbage-collector.ts); a pod
  // owns nothing and has its own way to go, a namespace its own finalizer.
  const { policy, warnings } = policyOf(k.kind, options);
  const gcFinalizer =
    k === POD || k === NAMESPACE
      ? undefined
      : policy === 'Orphan'
        ? ORPHAN_FINALIZER
        : policy === 'Foreground'
          ? FOREGROUND_FINALIZER
          : undefined;
  if (k === NAMESPACE && SYSTEM_NAMESPACES.slice(0, 3).includes(name))
    throw new BerthError('AccessDenied', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      resource: 'namespaces',
      name,
      group: '',
    });
  const run = (tx: WriteTx | Pick<WriteTx, 'get'>): Deleted => {
    const e = tx.get(kubeObjects, key);
    if (!e) throw missing(scope, name);
    const meta = metaOf(e.value.object);
    const pre = options.preconditions;
    const conflict = (what: string, want: string, have: string) =>
      new BerthError(
        'Conflict',
        `Operation cannot be fulfilled on ${k.plural} "${name}": Precondition failed: ${what} in precondition: ${want}, ${what} in object meta: ${have}`,
        { resource: k.plural, name, group: k.group },
      );
    if (pre?.uid && pre.uid !== meta.uid) throw conflict('UID', pre.uid, meta.uid ?? '');
    if (pre?.resourceVersion && pre.resourceVersion !== String(e.modRevision))
      throw conflict('ResourceVersion', pre.resourceVersion, String(e.modRevision));
    const own = [...(meta.finalizers ?? [])];
    if (gcFinalizer && !meta.deletionTimestamp && !own.includes(gcFinalizer)) own.push(gcFinalizer);
    const finalizers = [
      ...own,
      ...(k === NAMESPACE
        ? (((e.value.object['spec'] as { finalizers?: string[] } | undefined)?.finalizers ?? []) as string[])
        : []),
    ];
    // A pod on a node stops first: marked with its grace period, it goes when its host reports
    // its workload stopped (pod-hosts.ts). Unscheduled or finished, or with no grace, it goes at once.
    const podSpec = e.value.object['spec'] as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const podPhase = (e.value.object['status'] as { phase?: string } | undefined)?.phase;
    const grace = options.gracePeriodSeconds ?? podSpec?.terminationGracePeriodSeconds ?? 30;
    const podStops =
      k === POD && Boolean(podSpec?.nodeName) && podPhase !== 'Succeeded' && podPhase !== 'Failed' && grace > 0;
    if (finalizers.length || k === NAMESPACE || podStops) {
      if (meta.deletionTimestamp) return { gone: false, object: served(k, e.value.object, e.modRevision) };
      const object: KubeObject = {
        ...e.value.object,
        metadata: {
          ...meta,
          ...(own.length ? { finalizers: own } : {}),
          deletionTimestamp: timestamp(deps),
          deletionGracePeriodSeconds: podStops ? grace : 0,
        },
      };
      if (k === NAMESPACE)
        object['status'] = { ...((object['status'] as object | undefined) ?? {}), phase: 'Terminating' };
      if (!('put' in tx)) return { gone: false, object: served(k, object, e.modRevision) };
      tx.put(kubeObjects, { key, object });
      return { gone: false, object };
    }
    if (!('put' in tx)) return { gone: true, object: served(k, e.value.object, e.modRevision) };
    removeObject(tx, scope, key, deps.clock.now().getTime());
    return { gone: true, object: served(k, e.value.object, tx.revision) };
  };
  if (anyWebhooks(deps, scope.cluster)) {
    // The webhooks see the object as it is; a denial keeps it (a mutating one's patch has nothing to change).
    const e = deps.store.read((tx) => tx.get(kubeObjects, key));
    if (!e) throw missing(scope, name);
    const a: AdmissionRequest = {
      operation: 'DELETE',
      kind: k,
      ...(scope.namespace ? { namespace: scope.namespace } : {}),
      name,
      oldObject: served(k, e.value.object, e.modRevision),
      dryRun: Boolean(options.dryRun?.length),
      ...(user ? { user } : {}),
    };
    warnings.push(...(await mutateByWebhooks(deps, scope.cluster, a)).warnings);
    warnings.push(...(await validateByWebhooks(deps, scope.cluster, a)));
  }
  const said = warnings.length ? { warnings } : {};
  if (options.dryRun?.length) return { ...deps.store.read(run), ...said };
  const r = await deps.store.transact(run);
  if (r.gone) return { ...r, ...said };
  const e = deps.store.read((tx) => tx.get(kubeObjects, key));
  return { gone: false, object: e ? served(k, e.value.object, e.modRevision) : r.object, ...said };
}
