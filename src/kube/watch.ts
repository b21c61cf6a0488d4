import { BerthError, type ErrorDetail } from '../kernel/index.js';
import type { Change } from '../store/index.js';
import type { KubeDeps } from './deps.js';
import { selection, type ListQuery } from './list.js';
import {
  kubeObjects,
  kubeTombstones,
  metaOf,
  resourcePrefix,
  served,
  type KubeObject,
  type Scope,
  type StoredObject,
  type Tombstone,
} from './object.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchQuery extends Pick<ListQuery, 'labelSelector' | 'fieldSelector'> {
  /** Unset or "0": the objects there are now come first as ADDED; a revision: changes after it. */
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  /** How often a bookmark is sent when asked for (the API server: about a minute). */
  bookmarkMs?: number;
  signal?: AbortSignal;
}

const gone = (message: string) => new BerthError('Conflict', message, { reason: 'gone' } satisfies ErrorDetail);

/**
 * A watch as the API server gives it: ADDED, MODIFIED and DELETED events of the objects in the
 * selection (an object that stops matching is DELETED, one that starts is ADDED), from a revision
 * or from the objects there are now, with bookmarks if asked for. A revision older than the
 * store keeps history for fails with `gone` (the API server's 410 Expired).
 */
export function watchObjects(deps: KubeDeps, scope: Scope, q: WatchQuery): AsyncGenerator<WatchEvent> {
  const prefix = resourcePrefix(scope);
  const matches = selection(scope, q);
  const rvText = q.resourceVersion ?? '';
  const initial = q.sendInitialEvents ?? (rvText === '' || rvText === '0');
  if (!initial && !/^\d+$/.test(rvText))
    throw new BerthError('InvalidParameter', `resourceVersion: Invalid value: "${rvText}": must be a number`, {
      reason: 'malformed',
    });
  const queue: WatchEvent[] = [];
  /** Each key's uid and whether it was in the selection, as the client last heard. */
  const known = new Map<string, { uid: string; matched: boolean }>();
  const from = deps.store.read((tx) => {
    const now = deps.store.revision();
    const since = initial ? now : Number(rvText);
    for (const e of tx.list(kubeObjects, { prefix })) {
      const o = e.value.object;
      if (initial) {
        const m = matches(o);
        known.set(e.key, { uid: metaOf(o).uid ?? '', matched: m });
        if (m) queue.push({ type: 'ADDED', object: served(scope.kind, o, e.modRevision) });
      } else if (e.createRevision <= since)
        known.set(e.key, { uid: metaOf(o).uid ?? '', matched: e.modRevision <= since ? matches(o) : true });
    }
    if (!initial)
      for (const t of tx.list(kubeTombstones, { prefix }))
        if (t.value.createRevision <= since && t.modRevision > since)
          known.set(t.key.slice(0, t.key.lastIndexOf('/')), { uid: metaOf(t.value.object).uid ?? '', matched: true });
    return since;
  });
  if (initial && q.sendInitialEvents) queue.push(bookmark(scope, from, { 'k8s.io/initial-events-end': 'true' }));
  if (from < deps.store.compactedRevision())
    throw gone(`too old resource version: ${from} (${deps.store.compactedRevision()})`);
  // Checked and read above, before the caller answers; the events follow from here.
  return follow(deps, q, scope, prefix, from, queue, known, matches);
}

async function* follow(
  deps: KubeDeps,
  q: WatchQuery,
  scope: Scope,
  prefix: string,
  from: number,
  queue: WatchEvent[],
  known: Map<string, { uid: string; matched: boolean }>,
  matches: (o: KubeObject) => boolean,
): AsyncGenerator<WatchEvent> {
  let last = from;
  let wake: (() => void) | undefined;
  let failure: unknown;
  let ended = false;
  // Stopped with the caller's signal, or when the consumer stops taking events.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  q.signal?.addEventListener('abort', onAbort, { once: true });
  const changes = deps.store.watch(from, { tables: [kubeObjects.name, kubeTombstones.name], signal: stop.signal });
  const pump = (async () => {
    try {
      for await (const c of changes) {
        last = c.revision;
        const ev = toEvent(scope, prefix, c, known, matches);
        if (ev) queue.push(ev);
        wake?.();
      }
    } catch (e) {
      if (!stop.signal.aborted)
        failure = e instanceof BerthError && e.kind === 'Conflict' ? gone(`too old resource version: ${from}`) : e;
    } finally {
      ended = true;
      wake?.();
    }
  })();
  const timer = q.allowWatchBookmarks
    ? setInterval(() => {
        queue.push(bookmark(scope, last));
        wake?.();
      }, q.bookmarkMs ?? 60_000)
    : undefined;
  timer?.unref?.();
  try {
    for (;;) {
      while (queue.length) yield queue.shift() as WatchEvent;
      if (failure) throw failure;
      if (ended || stop.signal.aborted) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    clearInterval(timer);
    q.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    wake?.();
    await pump;
  }
}

function bookmark(scope: Scope, rv: number, annotations?: Record<string, string>): WatchEvent {
  const k = scope.kind;
  return {
    type: 'BOOKMARK',
    object: {
      apiVersion: k.group ? `${k.group}/${k.version}` : k.version,
      kind: k.kind,
      metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) },
    },
  };
}

function toEvent(
  scope: Scope,
  prefix: string,
  c: Change,
  known: Map<string, { uid: string; matched: boolean }>,
  matches: (o: KubeObject) => boolean,
): WatchEvent | undefined {
  if (!c.key.startsWith(prefix) || c.type !== 'put') return undefined;
  if (c.table === kubeTombstones.name) {
    const t = c.value as Tombstone;
    const key = t.key.slice(0, t.key.lastIndexOf('/'));
    const was = known.get(key);
    known.delete(key);
    return was?.matched ? { type: 'DELETED', object: t.object } : undefined;
  }
  const o = (c.value as StoredObject).object;
  const uid = metaOf(o).uid ?? '';
  const was = known.get(c.key);
  const before = was !== undefined && was.uid === uid && was.matched;
  const now = matches(o);
  known.set(c.key, { uid, matched: now });
  const object = served(scope.kind, o, c.revision);
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object };
  return before ? { type: 'DELETED', object } : undefined;
}
