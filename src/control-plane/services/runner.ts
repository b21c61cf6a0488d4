import type { Logger } from '../../kernel/logger.js';
import type { ControlPlaneDeps } from '../deps.js';
import { containerInstances, tasks } from '../tables.js';
import { reconcileAll } from './controller.js';
import { services } from './model.js';

/**
 * Runs the service controller: a pass soon after any task, instance or service changes, and one
 * every `intervalMs` regardless (level-triggered: a missed change is picked up by the next pass,
 * and a restarted berth resumes every rollout from the store).
 */
export function startServiceController(deps: ControlPlaneDeps, logger: Logger, intervalMs = 1000): { stop(): void } {
  const abort = new AbortController();
  let queued: NodeJS.Timeout | undefined;
  const pass = () => {
    queued = undefined;
    reconcileAll(deps, logger);
  };
  const soon = () => {
    if (!queued && !abort.signal.aborted) queued = setTimeout(pass, 20);
  };
  const timer = setInterval(soon, intervalMs);
  void (async () => {
    try {
      const tables = [tasks.name, services.name, containerInstances.name];
      for await (const _ of deps.store.watch(deps.store.revision(), { tables, signal: abort.signal })) soon();
    } catch (e) {
      if (!abort.signal.aborted) logger.warn({ err: String(e) }, 'service controller lost its watch; polling only');
    }
  })();
  soon();
  return {
    stop() {
      abort.abort();
      clearInterval(timer);
      clearTimeout(queued);
    },
  };
}
