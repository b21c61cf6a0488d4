import { inform, uuid, work, WorkQueue, type Logger } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { SYSTEM_NAMESPACES } from './delete.js';
import { kindsOf } from './custom-kinds.js';
import { NAMESPACE } from './kinds.js';
import { kubeObjects, kubeTombstones, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { removeChunk, removeObject } from './objects.js';
import { timestamp } from './write-rules.js';

/** The namespaces every cluster has from the start, as the API server makes them. */
export async function ensureSystemNamespaces(deps: KubeDeps, cluster: string): Promise<void> {
  await deps.store.transact((tx) => {
    for (const name of SYSTEM_NAMESPACES) {
      const key = objectKey({ cluster, kind: NAMESPACE }, name);
      if (tx.get(kubeObjects, key)) continue;
      const object: KubeObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          uid: uuid(),
          creationTimestamp: timestamp(deps),
          labels: { 'kubernetes.io/metadata.name': name },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      };
      tx.put(kubeObjects, { key, object });
    }
  });
}

/** Objects deleted per transaction while a namespace empties (etcd takes 128 operations in one). */
const CHUNK = 50;

/**
 * One pass over a namespace being deleted: its objects go, a chunk per transaction; once none is
 * left, the namespace's own finalizer goes and so does the namespace. Returns whether it is done.
 */
export async function finishNamespace(deps: KubeDeps, cluster: string, name: string): Promise<boolean> {
  const nsKey = objectKey({ cluster, kind: NAMESPACE }, name);
  const ns = deps.store.read((tx) => tx.get(kubeObjects, nsKey));
  if (!ns || !metaOf(ns.value.object).deletionTimestamp) return true;
  for (const kind of kindsOf(deps, cluster)) {
    if (!kind.namespaced || kind.virtual || kind.storedAs) continue;
    const scope = { cluster, kind, namespace: name };
    while (await removeChunk(deps, scope, CHUNK));
  }
  await deps.store.transact((tx) => {
    const e = tx.get(kubeObjects, nsKey);
    if (e && metaOf(e.value.object).deletionTimestamp)
      removeObject(tx, { cluster, kind: NAMESPACE }, nsKey, deps.clock.now().getTime());
  });
  return true;
}

/** Tombstones are kept this long: a watch resumed from an older revision than that is told it is too old anyway. */
export const TOMBSTONE_MS = 10 * 60_000;

/** Drops tombstones older than TOMBSTONE_MS. */
export async function pruneTombstones(deps: KubeDeps): Promise<void> {
  const before = deps.clock.now().getTime() - TOMBSTONE_MS;
  const old = deps.store
    .read((tx) => tx.list(kubeTombstones))
    .filter((e) => e.value.deletedAt < before)
    .map((e) => e.key);
  for (let i = 0; i < old.length; i += CHUNK) {
    const chunk = old.slice(i, i + CHUNK);
    await deps.store.transact((tx) => {
      for (const key of chunk) tx.delete(kubeTombstones, key);
    });
  }
}

/**
 * The namespace controller: a key per namespace being deleted (`<cluster>/<name>`), queued when
 * it changes and on every resync, synced by emptying it and then removing it.
 */
export function startNamespaceController(
  deps: KubeDeps,
  logger: Logger,
  clusters: () => readonly string[],
  resyncMs = 5000,
): { stop(): void } {
  const queue = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 30_000 });
  const terminating = () =>
    clusters().flatMap((cluster) =>
      deps.store
        .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: NAMESPACE }) }))
        .filter((e) => metaOf(e.value.object).deletionTimestamp)
        .map((e) => `${cluster}/${metaOf(e.value.object).name ?? ''}`),
    );
  const stopInforming = inform(deps.store, queue, {
    tables: [kubeObjects.name],
    keysOf(c) {
      const o = (c.value as { object?: KubeObject } | undefined)?.object;
      if (!o || o['kind'] !== 'Namespace' || !metaOf(o).deletionTimestamp) return [];
      return [`${c.key.slice(0, c.key.indexOf('/'))}/${metaOf(o).name ?? ''}`];
    },
    all: terminating,
    resyncMs,
    onWatchError: (e) => logger.warn({ err: String(e) }, 'namespace controller lost its watch; resyncing'),
  });
  const worker = work(
    queue,
    async (key) => {
      const slash = key.indexOf('/');
      await finishNamespace(deps, key.slice(0, slash), key.slice(slash + 1));
    },
    (key, e, retries) => logger.error({ namespace: key, err: String(e), retries }, 'namespace deletion failed'),
  );
  return {
    stop() {
      stopInforming();
      queue.shutDown();
      void worker;
    },
  };
}
