import type { KubeDeps } from './deps.js';
import { POD, type KindDef } from './kinds.js';
import { matchesSelector, type LabelSelectorSpec } from './label-selector.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { controllerOf, isActive, ownerReference } from './owners.js';

/**
 * The pods a workload controller manages, as Kubernetes' controller-ref manager claims them: its
 * own pods that still match its selector, plus active orphans that match (adopted: its controller
 * reference added); its own pods that no longer match are released (the reference removed), so
 * `kubectl label pod web-x app-` takes a pod out of its ReplicaSet, which makes another.
 */
export function claimPods(
  deps: KubeDeps,
  cluster: string,
  owner: KubeObject,
  ref: { apiVersion: string; kind: string },
  selector: LabelSelectorSpec | undefined,
  /** Which orphans may be adopted besides matching (a StatefulSet's: those named as its pods). */
  adoptable: (pod: KubeObject) => boolean = () => true,
): Promise<KubeObject[]> {
  return claimChildren(deps, cluster, owner, ref, selector, POD, (p) => isActive(p) && adoptable(p));
}

/** The same for any kind of child (a Deployment's ReplicaSets). */
export async function claimChildren(
  deps: KubeDeps,
  cluster: string,
  owner: KubeObject,
  ref: { apiVersion: string; kind: string },
  selector: LabelSelectorSpec | undefined,
  kind: KindDef,
  adoptable: (child: KubeObject) => boolean = () => true,
): Promise<KubeObject[]> {
  const namespace = metaOf(owner).namespace as string;
  const uid = metaOf(owner).uid as string;
  const scope = { cluster, kind, namespace };
  const all = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(scope) }))
    .map((e) => e.value.object);
  // An empty selector matches nothing here (the API server refuses one for workloads anyway).
  const matches = (p: KubeObject) =>
    !!selector &&
    (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0) &&
    matchesSelector(selector, metaOf(p).labels ?? {});
  const owned: KubeObject[] = [];
  for (const p of all) {
    const c = controllerOf(p);
    const key = objectKey(scope, metaOf(p).name as string);
    if (c?.uid === uid) {
      if (matches(p) || metaOf(p).deletionTimestamp) owned.push(p);
      else await rewriteRefs(deps, key, (refs) => refs.filter((r) => r.uid !== uid));
    } else if (!c && matches(p) && !metaOf(p).deletionTimestamp && adoptable(p) && !metaOf(owner).deletionTimestamp) {
      const adopted = await rewriteRefs(deps, key, (refs) =>
        controllerOfRefs(refs) ? refs : [...refs, ownerReference(owner, ref.apiVersion, ref.kind)],
      );
      if (adopted && controllerOf(adopted)?.uid === uid) owned.push(adopted);
    }
  }
  return owned;
}

type Ref = { uid: string; controller?: boolean };
const controllerOfRefs = (refs: Ref[]) => refs.some((r) => r.controller);

/** Rewrites an object's owner references inside one transaction (read again there: another writer may have come first). */
async function rewriteRefs(
  deps: KubeDeps,
  key: string,
  change: (refs: Ref[]) => Ref[],
): Promise<KubeObject | undefined> {
  return deps.store.transact((tx) => {
    const e = tx.get(kubeObjects, key);
    if (!e) return undefined;
    const meta = metaOf(e.value.object);
    const refs = (meta.ownerReferences ?? []) as Ref[];
    const next = change(refs);
    if (JSON.stringify(next) === JSON.stringify(refs)) return e.value.object;
    const { ownerReferences: _drop, ...rest } = meta;
    const object = { ...e.value.object, metadata: { ...rest, ...(next.length ? { ownerReferences: next } : {}) } };
    tx.put(kubeObjects, { key, object });
    return object;
  });
}
