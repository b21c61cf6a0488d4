import { Fleet } from '../../scheduler/index.js';
import type { Change, StoreView } from '../../store/index.js';
import { instanceView } from '../container-instances.js';
import { containerInstances, type ContainerInstanceRecord } from '../tables.js';

/** Which of a pool's hosts the scheduler sees: a constant, so a pool's kept fleet knows its own. */
export type Membership = (host: ContainerInstanceRecord) => boolean;

interface Kept {
  fleet: Fleet;
  include: Membership;
  /** Each member's store key → its place in the fleet. */
  at: Map<string, number>;
  /** Members written since the fleet was last handed out: their latest records. */
  changed: Map<string, ContainerInstanceRecord>;
}

const kept = new WeakMap<StoreView, Map<string, Kept>>();

/**
 * A pool's hosts (a cluster's container instances, or the Fargate fleet's hosts) as the
 * scheduler's Fleet, kept from one RunTask to the next and told of every host written through
 * the store's commit subscription, so a decision neither lists the pool nor compares its hosts:
 * the hosts written since the last decision are replaced in the fleet, and what placing cannot
 * change (static checks, spread values) stays worked out. A host that joins or leaves the
 * membership drops the fleet; the next call builds it again from a listing.
 */
export function keptFleet(store: StoreView, pool: string, include: Membership): Fleet {
  let pools = kept.get(store);
  if (!pools) {
    const mine = new Map<string, Kept>();
    store.subscribe((changes) => noteChanges(mine, changes));
    kept.set(store, (pools = mine));
  }
  const k = pools.get(pool);
  if (k && k.include === include) {
    for (const [key, rec] of k.changed) k.fleet.replace(k.at.get(key) as number, instanceView(rec));
    k.changed.clear();
    return k.fleet;
  }
  const records = store
    .read((tx) => tx.list(containerInstances, { prefix: `${pool}/` }))
    .filter((e) => include(e.value));
  const fleet = new Fleet(records.map((e) => instanceView(e.value)));
  pools.set(pool, { fleet, include, at: new Map(records.map((e, i) => [e.key, i])), changed: new Map() });
  return fleet;
}

function noteChanges(pools: Map<string, Kept>, changes: readonly Change[]): void {
  for (const c of changes) {
    if (c.table !== containerInstances.name) continue;
    const pool = c.key.slice(0, c.key.indexOf('/'));
    const k = pools.get(pool);
    if (!k) continue;
    const rec = c.type === 'put' ? (c.value as ContainerInstanceRecord) : undefined;
    const member = rec !== undefined && k.include(rec);
    if (member && k.at.has(c.key)) k.changed.set(c.key, rec);
    else if (member || k.at.has(c.key)) pools.delete(pool);
  }
}
