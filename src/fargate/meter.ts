import { type ControlPlaneDeps, now, tasks, type TaskRecord } from '../control-plane/index.js';
import { defineTable } from '../store/index.js';
import type { FargatePrices } from './prices.js';

/** One Fargate task's billable time, kept after the task itself is forgotten (an hour after it stops). */
export interface UsageRecord {
  cluster: string;
  taskId: string;
  taskArn: string;
  service?: string;
  capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
  cpu: number;
  memory: number;
  ephemeralGiB: number;
  /** From the start of the image pull (ms) … */
  start: number;
  /** … to the task's stop; absent while it runs. */
  end?: number;
}

export const usageLedger = defineTable<UsageRecord>('fargate.usage', (r) => `${r.cluster}/${r.taskId}`, {
  history: false,
});

/** A Fargate task's billable span, or undefined if it is not a Fargate task or never began pulling. */
export function usageOf(t: TaskRecord): UsageRecord | undefined {
  if (t.launchType !== 'FARGATE') return undefined;
  const start = t.pullStartedAt ?? t.startedAt;
  if (start === undefined) return undefined;
  const end = t.lastStatus === 'STOPPED' ? (t.stoppedAt ?? t.executionStoppedAt ?? start) : undefined;
  return {
    cluster: t.cluster,
    taskId: t.id,
    taskArn: t.arn,
    ...(t.group.startsWith('service:') ? { service: t.group.slice('service:'.length) } : {}),
    capacityProvider: t.capacityProviderName === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE',
    cpu: t.cpu,
    memory: t.memory,
    ephemeralGiB: t.ephemeralStorageGiB ?? 20,
    start,
    ...(end !== undefined ? { end } : {}),
  };
}

/** Writes ledger rows for stopped Fargate tasks not yet in it (before retention forgets them). */
export async function recordStopped(deps: ControlPlaneDeps): Promise<number> {
  const rows = deps.store.read((tx) =>
    tx
      .list(tasks)
      .map((e) => (e.value.lastStatus === 'STOPPED' ? usageOf(e.value) : undefined))
      .filter((u): u is UsageRecord => u !== undefined && !tx.get(usageLedger, `${u.cluster}/${u.taskId}`)),
  );
  if (rows.length) await deps.store.transact((tx) => rows.forEach((r) => tx.put(usageLedger, r)));
  return rows.length;
}

export interface Meter {
  tasks: number;
  /** Billed seconds: rounded up to the second, at least a minute per task, as AWS bills Fargate. */
  billedSeconds: number;
  vcpuSeconds: number;
  gbSeconds: number;
  costUsd: number;
}

export interface TaskUsage extends UsageRecord, Meter {
  running: boolean;
}

export interface UsageReport {
  at: string;
  prices: FargatePrices;
  totals: Meter & { byCapacityProvider: Record<string, Meter> };
  clusters: (Meter & { cluster: string })[];
  services: (Meter & { cluster: string; service: string })[];
  tasks: TaskUsage[];
}

const zero = (): Meter => ({ tasks: 0, billedSeconds: 0, vcpuSeconds: 0, gbSeconds: 0, costUsd: 0 });

function meter(u: UsageRecord, at: number, p: FargatePrices): Meter {
  const billedSeconds = Math.max(60, Math.ceil(((u.end ?? at) - u.start) / 1000));
  const vcpuSeconds = (u.cpu / 1024) * billedSeconds;
  const gbSeconds = (u.memory / 1024) * billedSeconds;
  const spot = u.capacityProvider === 'FARGATE_SPOT';
  const costUsd =
    (vcpuSeconds * (spot ? p.spotVcpuHour : p.vcpuHour) +
      gbSeconds * (spot ? p.spotGbHour : p.gbHour) +
      Math.max(0, u.ephemeralGiB - 20) * billedSeconds * p.storageGbHour) /
    3600;
  return { tasks: 1, billedSeconds, vcpuSeconds, gbSeconds, costUsd };
}

function add(into: Meter, m: Meter): void {
  into.tasks += m.tasks;
  into.billedSeconds += m.billedSeconds;
  into.vcpuSeconds += m.vcpuSeconds;
  into.gbSeconds += m.gbSeconds;
  into.costUsd += m.costUsd;
}

/**
 * Fargate usage per task, service and cluster: the ledger's stopped tasks plus every Fargate task
 * the store still has (running ones metered up to now), with the estimated cost at `prices`.
 */
export function usageReport(deps: ControlPlaneDeps, prices: FargatePrices, cluster?: string): UsageReport {
  const at = now(deps);
  const byKey = new Map<string, UsageRecord>();
  deps.store.read((tx) => {
    const prefix = cluster ? { prefix: `${cluster}/` } : {};
    for (const e of tx.list(usageLedger, prefix)) byKey.set(e.key, e.value);
    for (const e of tx.list(tasks, prefix)) {
      const u = usageOf(e.value);
      if (u) byKey.set(e.key, u);
    }
  });
  const totals = { ...zero(), byCapacityProvider: {} as Record<string, Meter> };
  const clusters = new Map<string, Meter & { cluster: string }>();
  const services = new Map<string, Meter & { cluster: string; service: string }>();
  const list: TaskUsage[] = [];
  for (const u of [...byKey.values()].sort((a, b) => a.start - b.start)) {
    const m = meter(u, at, prices);
    list.push({ ...u, ...m, running: u.end === undefined });
    add(totals, m);
    add((totals.byCapacityProvider[u.capacityProvider] ??= zero()), m);
    let c = clusters.get(u.cluster);
    if (!c) clusters.set(u.cluster, (c = { cluster: u.cluster, ...zero() }));
    add(c, m);
    if (u.service) {
      const key = `${u.cluster}/${u.service}`;
      let s = services.get(key);
      if (!s) services.set(key, (s = { cluster: u.cluster, service: u.service, ...zero() }));
      add(s, m);
    }
  }
  return {
    at: new Date(at).toISOString(),
    prices,
    totals,
    clusters: [...clusters.values()],
    services: [...services.values()],
    tasks: list,
  };
}
