import { Fleet } from '../../scheduler/index.js';
import type { Store } from '../../store/index.js';
import { instanceView } from '../container-instances.js';
import type { ContainerInstanceRecord } from '../tables.js';

interface Kept {
  records: ContainerInstanceRecord[];
  fleet: Fleet;
}

const kept = new WeakMap<Store, Map<string, Kept>>();

/**
 * A cluster's instances as the scheduler's Fleet, kept from one RunTask to the next. The store
 * hands out one frozen record per revision of an instance (a cached table), so comparing records
 * by identity finds the instances that changed since the last call; only those are replaced in
 * the fleet, and what placing cannot change (static checks, spread values) stays worked out. A
 * different set of instances, or records that are fresh copies, build a new fleet.
 */
export function fleetFor(store: Store, key: string, records: ContainerInstanceRecord[]): Fleet {
  let byKey = kept.get(store);
  if (!byKey) kept.set(store, (byKey = new Map()));
  const k = byKey.get(key);
  if (k && k.records.length === records.length) {
    const changed: number[] = [];
    let same = true;
    for (let i = 0; i < records.length && same; i++) {
      const was = k.records[i] as ContainerInstanceRecord;
      const now = records[i] as ContainerInstanceRecord;
      if (was === now) continue;
      if (was.arn !== now.arn || !Object.isFrozen(now)) same = false;
      else changed.push(i);
    }
    if (same) {
      for (const i of changed) {
        const rec = records[i] as ContainerInstanceRecord;
        k.fleet.replace(i, instanceView(rec));
        k.records[i] = rec;
      }
      return k.fleet;
    }
  }
  const fleet = new Fleet(records.map((r) => instanceView(r)));
  if (records.every((r) => Object.isFrozen(r))) byKey.set(key, { records: records.slice(), fleet });
  else byKey.delete(key);
  return fleet;
}
