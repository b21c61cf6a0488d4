import type { SharedStore, Store } from './port.js';

/**
 * A store of one process seen as a shared one: its transactions commit at once (no other writer
 * can have changed what they read), on the store's own thread as before.
 */
export function localShared(store: Store): SharedStore {
  return {
    read: (fn) => store.read(fn),
    transact: async (fn) => store.write(fn),
    fresh: async () => undefined,
    revision: () => store.revision(),
    compactedRevision: () => store.compactedRevision(),
    watch: (from, options) => store.watch(from, options),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
}
