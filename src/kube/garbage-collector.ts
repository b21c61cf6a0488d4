import { BerthError } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { deleteObject, FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './delete.js';
import { CRD, CRD_CLEANUP_FINALIZER } from './crd-kind.js';
import { kindsOf } from './custom-kinds.js';
import type { KindDef } from './kinds.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { removeChunk, updateObject } from './objects.js';

/**
 * The garbage collector, over every kind a cluster stores and every owner reference (not only the
 * controllers'): an object whose owners are all gone is deleted (background cascading); one with
 * some owners gone loses those references; an owner deleted with `Orphan` (finalizer `orphan`)
 * has its dependents' references to it taken away, then goes; one deleted with `Foreground`
 * (finalizer `foregroundDeletion`) has its dependents deleted the same way first, and goes when
 * none is left. References to kinds berth does not serve are left alone.
 */

interface Item {
  kind: KindDef;
  o: KubeObject;
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
const refsOf = (o: KubeObject) => (metaOf(o).ownerReferences ?? []) as OwnerRef[];
const scopeOf = (cluster: string, i: Item) => ({
  cluster,
  kind: i.kind,
  ...(i.kind.namespaced ? { namespace: metaOf(i.o).namespace as string } : {}),
});

/** One pass; true when it changed something (another pass may find more to do). */
export async function collectGarbage(deps: KubeDeps, cluster: string, budget = 200): Promise<boolean> {
  // Events own nothing and are owned by nothing: the most numerous objects are left out of the read.
  const stored = kindsOf(deps, cluster).filter((k) => !k.virtual && !k.storedAs && k.kind !== 'Event');
  const kindOfRef = (r: OwnerRef) => stored.find((k) => k.kind === r.kind && k.group === groupOf(r.apiVersion));
  // One read: owners and dependents from the same revision, so a new owner is never missed.
  const items = deps.store.read((tx) =>
    stored.flatMap((kind) =>
      tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind }) }).map((e) => ({ kind, o: e.value.object })),
    ),
  );
  const byUid = new Map<string, Item>();
  const dependents = new Map<string, Item[]>();
  for (const i of items) {
    byUid.set(metaOf(i.o).uid ?? '', i);
    for (const r of refsOf(i.o)) {
      const list = dependents.get(r.uid);
      if (list) list.push(i);
      else dependents.set(r.uid, [i]);
    }
  }
  let writes = 0;
  const spend = async (write: () => Promise<unknown>) => {
    if (writes >= budget) return;
    writes++;
    try {
      await write();
    } catch (e) {
      // Changed or gone since it was read: the next pass sees it as it is.
      if (!(e instanceof BerthError && (e.kind === 'NotFound' || e.kind === 'Conflict'))) throw e;
    }
  };
  /** The object with a metadata list filtered, the list left out once empty (as the API server writes it). */
  const without = (cur: KubeObject, i: Item, list: 'ownerReferences' | 'finalizers', keep: (e: never) => boolean) => {
    const meta: Record<string, unknown> = { ...metaOf(cur), uid: metaOf(i.o).uid };
    const left = ((meta[list] ?? []) as never[]).filter(keep);
    if (left.length) meta[list] = left;
    else delete meta[list];
    return { ...cur, metadata: meta };
  };
  const dropRefs = (i: Item, uids: Set<string>) =>
    spend(() =>
      updateObject(deps, scopeOf(cluster, i), metaOf(i.o).name as string, (cur) =>
        without(cur, i, 'ownerReferences', (r: OwnerRef) => !uids.has(r.uid)),
      ),
    );
  const dropFinalizer = (i: Item, finalizer: string) =>
    spend(() =>
      updateObject(deps, scopeOf(cluster, i), metaOf(i.o).name as string, (cur) =>
        without(cur, i, 'finalizers', (f: string) => f !== finalizer),
      ),
    );
  const remove = (i: Item, propagationPolicy: 'Background' | 'Foreground') =>
    spend(() =>
      deleteObject(deps, scopeOf(cluster, i), metaOf(i.o).name as string, {
        propagationPolicy,
        preconditions: { uid: metaOf(i.o).uid as string },
      }),
    );
  /** Whether a reference's owner is there (the same object: kind, name and uid). */
  const present = (dep: Item, r: OwnerRef) => {
    const owner = byUid.get(r.uid);
    if (!owner || owner.kind.kind !== r.kind || metaOf(owner.o).name !== r.name) return false;
    return !owner.kind.namespaced || metaOf(owner.o).namespace === metaOf(dep.o).namespace;
  };
  /** Still there when read again now (a write since the pass's read may have made it). */
  const stillAbsent = (dep: Item, r: OwnerRef) => {
    const kind = kindOfRef(r) as KindDef;
    const key = objectKey({ cluster, kind, namespace: metaOf(dep.o).namespace ?? '' }, r.name);
    const e = deps.store.read((tx) => tx.get(kubeObjects, key));
    return !e || metaOf(e.value.object).uid !== r.uid;
  };
  const deleting = (i: Item, finalizer: string) =>
    Boolean(metaOf(i.o).deletionTimestamp) && (metaOf(i.o).finalizers ?? []).includes(finalizer);

  for (const owner of items) {
    const uid = metaOf(owner.o).uid ?? '';
    if (owner.kind === CRD && deleting(owner, CRD_CLEANUP_FINALIZER)) {
      // A CRD going takes its objects with it (every version is stored under its storage one).
      const kind = stored.find((k) => k.custom && `${k.plural}.${k.group}` === metaOf(owner.o).name);
      const removed = kind ? await removeChunk(deps, { cluster, kind }, 500) : 0;
      if (removed) writes++;
      else await dropFinalizer(owner, CRD_CLEANUP_FINALIZER);
      continue;
    }
    if (deleting(owner, ORPHAN_FINALIZER)) {
      for (const d of dependents.get(uid) ?? []) await dropRefs(d, new Set([uid]));
      if (!(dependents.get(uid) ?? []).length) await dropFinalizer(owner, ORPHAN_FINALIZER);
    } else if (deleting(owner, FOREGROUND_FINALIZER)) {
      const left = dependents.get(uid) ?? [];
      if (!left.length) await dropFinalizer(owner, FOREGROUND_FINALIZER);
      for (const d of left) {
        // A dependent another live owner keeps only loses its reference to this one.
        const kept = refsOf(d.o).some(
          (r) => r.uid !== uid && present(d, r) && !metaOf(byUid.get(r.uid)?.o ?? {}).deletionTimestamp,
        );
        if (kept) await dropRefs(d, new Set([uid]));
        else if (!metaOf(d.o).deletionTimestamp) await remove(d, 'Foreground');
      }
    }
  }
  for (const d of items) {
    const refs = refsOf(d.o).filter((r) => kindOfRef(r) !== undefined);
    if (!refs.length || metaOf(d.o).deletionTimestamp) continue;
    const absent = refs.filter((r) => !present(d, r) && stillAbsent(d, r));
    if (!absent.length) continue;
    if (absent.length === refsOf(d.o).length) await remove(d, 'Background');
    else await dropRefs(d, new Set(absent.map((r) => r.uid)));
  }
  return writes > 0;
}
