import type { WorkQueue } from './work-queue.js';

/** What an informer watches: the store's watch, seen through the kernel's eyes (no import of it). */
export interface ChangeSource {
  revision(): number;
  watch(
    fromRevision: number,
    options: { tables?: readonly string[]; signal?: AbortSignal },
  ): AsyncIterable<{ table: string; key: string; value?: unknown }>;
}

export interface InformerOptions<K> {
  tables: readonly string[];
  /** The keys one change concerns (a task's change concerns its service). */
  keysOf(change: { table: string; key: string; value?: unknown }): Iterable<K>;
  /** Every key there is, for the periodic resync that makes the controller level-triggered. */
  all(): Iterable<K>;
  /** How often every key is queued regardless of changes. */
  resyncMs: number;
  /** A change's keys are queued this much later, so a burst of changes makes one sync (default 20 ms). */
  batchMs?: number;
  /** The watch broke (e.g. its history was compacted): it is taken up again after a resync. */
  onWatchError?(e: unknown): void;
}

/**
 * Turns store watches into keys on a work queue: each change's keys (a little later, so bursts
 * coalesce), every key at the start and on every resync. A broken watch is resumed from the
 * current revision after a full resync, so no change is missed for long. Returns its stop.
 */
export function inform<K>(source: ChangeSource, queue: WorkQueue<K>, o: InformerOptions<K>): () => void {
  const abort = new AbortController();
  const batch = o.batchMs ?? 20;
  const resync = () => {
    for (const k of o.all()) queue.add(k);
  };
  const timer = setInterval(resync, o.resyncMs);
  timer.unref?.();
  void (async () => {
    while (!abort.signal.aborted) {
      const from = source.revision();
      resync();
      try {
        for await (const c of source.watch(from, { tables: o.tables, signal: abort.signal })) {
          for (const k of o.keysOf(c)) queue.addAfter(k, batch);
        }
        return; // the source closed or the informer stopped
      } catch (e) {
        if (abort.signal.aborted) return;
        o.onWatchError?.(e);
        await new Promise((r) => setTimeout(r, Math.min(o.resyncMs, 1000)).unref?.());
      }
    }
  })();
  return () => {
    abort.abort();
    clearInterval(timer);
  };
}

/**
 * A controller's worker: takes keys one at a time and syncs each; a sync that throws puts its key
 * back after its back-off, one that succeeds resets it. It lets I/O in every 10 ms of syncing (a
 * resync of thousands of keys must not hold up requests). Ends when the queue shuts down.
 */
export async function work<K>(
  queue: WorkQueue<K>,
  sync: (key: K) => void | Promise<void>,
  onError: (key: K, e: unknown, retries: number) => void,
): Promise<void> {
  let since = Date.now();
  for (;;) {
    if (Date.now() - since > 10) {
      await new Promise((r) => setImmediate(r));
      since = Date.now();
    }
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await sync(key);
      queue.forget(key);
    } catch (e) {
      queue.addRateLimited(key);
      onError(key, e, queue.retries(key));
    } finally {
      queue.done(key);
    }
  }
}
