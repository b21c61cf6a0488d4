import { inform, work, WorkQueue, type Logger } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { kubeObjects, kubeTombstones } from './object.js';

/** What one of the Kubernetes controllers is: its name, which keys a change concerns, and a key's sync. */
export interface ControllerLoop {
  /** In its log lines (`<name> lost its watch`, `<name> pass failed`). */
  name: string;
  /** The keys a change of the objects (or of their tombstones) concerns. */
  keysOf(change: { table: string; key: string; value?: unknown }): Iterable<string>;
  /** Every key there is, queued at the start and on each resync. */
  all(): Iterable<string>;
  sync(key: string): Promise<void>;
  resyncMs?: number;
  batchMs?: number;
}

/**
 * A controller on the kit (kernel's work queue and informer): store changes become keys, each key
 * synced one at a time with back-off on failure, every key again on each resync. Returns its stop.
 */
export function startControllerLoop(deps: KubeDeps, logger: Logger, c: ControllerLoop): { stop(): void } {
  const queue = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 30_000 });
  const stopInforming = inform(deps.store, queue, {
    tables: [kubeObjects.name, kubeTombstones.name],
    keysOf: (change) => c.keysOf(change),
    all: () => c.all(),
    resyncMs: c.resyncMs ?? 10_000,
    batchMs: c.batchMs ?? 20,
    onWatchError: (e) => logger.warn({ err: String(e) }, `${c.name} lost its watch; resyncing`),
  });
  void work(queue, c.sync, (key, e, retries) =>
    logger.error({ key, err: String(e), retries }, `${c.name} pass failed`),
  );
  return {
    stop() {
      stopInforming();
      queue.shutDown();
    },
  };
}
