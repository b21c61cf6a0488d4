import { inform, work, type Logger, WorkQueue } from '../../kernel/index.js';
import type { ControlPlaneDeps } from '../deps.js';
import { containerInstances, FLEET, tasks, type ContainerInstanceRecord, type TaskRecord } from '../tables.js';
import { syncService } from './controller.js';
import { serviceOfGroup, services } from './model.js';

/**
 * Runs the service controller on the kernel's kit: one key per service (`cluster/name`), queued
 * a moment after its service or one of its tasks changes, with every service of a cluster when
 * one of its instances changes (every service for a Fargate host), and every service each
 * `resyncMs` regardless: level-triggered, so deployment holds and launch throttles come due and a
 * restarted berth resumes every rollout from the store. A service whose sync throws backs off on
 * its own; the others carry on.
 */
export function startServiceController(deps: ControlPlaneDeps, logger: Logger, resyncMs = 1000): { stop(): void } {
  const queue = new WorkQueue<string>({ baseDelayMs: 50, maxDelayMs: 60_000 });
  const keys = (prefix?: string) =>
    deps.store.read((tx) => tx.list(services, prefix ? { prefix } : {})).map((e) => e.key);
  const stopInforming = inform(deps.store, queue, {
    tables: [services.name, tasks.name, containerInstances.name],
    keysOf(c) {
      if (c.table === services.name) return [c.key];
      if (c.table === tasks.name) {
        const t = c.value as TaskRecord | undefined;
        const service = t && serviceOfGroup(t.group);
        return t && service ? [`${t.cluster}/${service}`] : [];
      }
      const inst = c.value as ContainerInstanceRecord | undefined;
      return inst && inst.cluster !== FLEET ? keys(`${inst.cluster}/`) : keys();
    },
    all: () => keys(),
    resyncMs,
    onWatchError: (e) => logger.warn({ err: String(e) }, 'service controller lost its watch; resyncing'),
  });
  const worker = work(
    queue,
    (key) => syncService(deps, key),
    (key, e, retries) => logger.error({ service: key, err: String(e), retries }, 'service pass failed'),
  );
  return {
    stop() {
      stopInforming();
      queue.shutDown();
      void worker;
    },
  };
}
