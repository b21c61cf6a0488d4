import { notFound } from '../kernel/index.js';
import {
  alarmHistory,
  alarms,
  historyPrefix,
  type AlarmHistoryRecord,
  type AlarmRecord,
  type AlarmState,
} from './alarms.js';
import { childrenOf, compositeAlarms, type CompositeAlarmRecord } from './composite-alarms.js';
import type { MetricsDeps } from './deps.js';

export interface AlarmFilter {
  AlarmNames?: string[];
  AlarmNamePrefix?: string;
  StateValue?: AlarmState;
  ActionPrefix?: string;
}

type Filterable = Pick<
  AlarmRecord,
  'AlarmName' | 'StateValue' | 'AlarmActions' | 'OKActions' | 'InsufficientDataActions'
>;
const matching =
  (f: AlarmFilter) =>
  <T extends Filterable>(list: T[]): T[] => {
    const names = f.AlarmNames?.length ? new Set(f.AlarmNames) : undefined;
    return list.filter(
      (a) =>
        (!names || names.has(a.AlarmName)) &&
        (!f.StateValue || a.StateValue === f.StateValue) &&
        (!f.ActionPrefix ||
          [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) =>
            x.startsWith(f.ActionPrefix as string),
          )),
    );
  };

/** DescribeAlarms' metric alarms, by name (names, or a prefix), state and action prefix. */
export function describeAlarms(deps: MetricsDeps, f: AlarmFilter): AlarmRecord[] {
  return matching(f)(
    deps.store
      .read((tx) => tx.list(alarms, f.AlarmNamePrefix ? { prefix: f.AlarmNamePrefix } : {}))
      .map((e) => e.value),
  );
}

/** DescribeAlarms' composite alarms, by the same filters. */
export function describeCompositeAlarms(deps: MetricsDeps, f: AlarmFilter): CompositeAlarmRecord[] {
  return matching(f)(
    deps.store
      .read((tx) => tx.list(compositeAlarms, f.AlarmNamePrefix ? { prefix: f.AlarmNamePrefix } : {}))
      .map((e) => e.value),
  );
}

/**
 * DescribeAlarms' ChildrenOfAlarmName (the alarms a composite's rule names) and ParentsOfAlarmName
 * (the composites whose rules name an alarm).
 */
export function alarmRelatives(
  deps: MetricsDeps,
  q: { ChildrenOfAlarmName?: string; ParentsOfAlarmName?: string },
): { metric: AlarmRecord[]; composite: CompositeAlarmRecord[] } {
  return deps.store.read((tx) => {
    if (q.ChildrenOfAlarmName !== undefined) {
      const c = tx.get(compositeAlarms, q.ChildrenOfAlarmName)?.value;
      const names = c ? childrenOf(c) : [];
      return {
        metric: names.flatMap((n) => tx.get(alarms, n)?.value ?? []),
        composite: names.flatMap((n) => tx.get(compositeAlarms, n)?.value ?? []),
      };
    }
    const child = q.ParentsOfAlarmName as string;
    return {
      metric: [],
      composite: tx
        .list(compositeAlarms)
        .map((e) => e.value)
        .filter((c) => childrenOf(c).includes(child)),
    };
  });
}

/** DeleteAlarms, metric and composite: every name must exist, or none is deleted (CloudWatch's ResourceNotFound). */
export async function deleteAlarms(deps: MetricsDeps, names: readonly string[]): Promise<void> {
  await deps.store.transact((tx) => {
    for (const n of names)
      if (!tx.get(alarms, n) && !tx.get(compositeAlarms, n))
        throw notFound(`The following alarms were not found: [${n}]`, { resource: 'alarm' });
    for (const n of names) {
      tx.delete(alarms, n);
      tx.delete(compositeAlarms, n);
      for (const h of tx.list(alarmHistory, { prefix: historyPrefix(n) })) tx.delete(alarmHistory, h.key);
    }
  });
}

/** EnableAlarmActions / DisableAlarmActions: names that do not exist are passed over, as in CloudWatch. */
export async function setAlarmActionsEnabled(
  deps: MetricsDeps,
  names: readonly string[],
  enabled: boolean,
): Promise<void> {
  await deps.store.transact((tx) => {
    for (const n of names) {
      const a = tx.get(alarms, n)?.value;
      if (a && a.ActionsEnabled !== enabled) tx.put(alarms, { ...a, ActionsEnabled: enabled });
      const c = tx.get(compositeAlarms, n)?.value;
      if (c && c.ActionsEnabled !== enabled) tx.put(compositeAlarms, { ...c, ActionsEnabled: enabled });
    }
  });
}

/** DescribeAlarmHistory: newest first unless ScanBy says otherwise. */
export function describeAlarmHistory(
  deps: MetricsDeps,
  q: { AlarmName?: string; HistoryItemType?: string; StartDate?: Date; EndDate?: Date; ascending?: boolean },
): AlarmHistoryRecord[] {
  const rows = deps.store
    .read((tx) => tx.list(alarmHistory, q.AlarmName ? { prefix: historyPrefix(q.AlarmName) } : {}))
    .map((e) => e.value)
    .filter(
      (h) =>
        (!q.AlarmName || h.AlarmName === q.AlarmName) &&
        (!q.HistoryItemType || h.HistoryItemType === q.HistoryItemType) &&
        (!q.StartDate || h.Timestamp >= q.StartDate.getTime()) &&
        (!q.EndDate || h.Timestamp <= q.EndDate.getTime()),
    )
    .sort((a, b) => a.Timestamp - b.Timestamp || (a.key < b.key ? -1 : 1));
  return q.ascending ? rows : rows.reverse();
}
