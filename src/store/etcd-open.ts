import type { Leadership } from './leadership.js';
import type { SharedStore } from './port.js';

export interface EtcdState {
  /** The store of one prefix (a region's tables). */
  store(prefix: string): Promise<SharedStore>;
  /** This server's part in the election of the leader among the servers sharing the cluster. */
  leadership: Leadership;
}

/**
 * The state of a server among several over one etcd cluster. The etcd client is loaded only
 * here: a berth over SQLite never loads it.
 */
export async function openEtcdState(o: { endpoints: string[]; prefix: string; id: string }): Promise<EtcdState> {
  const [{ EtcdStore }, { EtcdLeadership }] = await Promise.all([
    import('./etcd/etcd-store.js'),
    import('./etcd/leadership.js'),
  ]);
  return {
    store: (prefix) => EtcdStore.open({ endpoints: o.endpoints, prefix }),
    leadership: EtcdLeadership.start({ endpoints: o.endpoints, prefix: o.prefix, id: o.id }),
  };
}
