import type { Logger } from '../kernel/index.js';
import type { RegistryDeps } from './deps.js';
import { collectGarbage, TEMPORARY_TTL_MS, type GcOptions } from './gc.js';
import { applyAllLifecycles } from './lifecycle/lifecycle.js';

export interface MaintenanceOptions extends GcOptions {
  lifecycleIntervalMs: number;
  gcIntervalMs: number;
}

/** The registry's periodic work: lifecycle policies, then garbage collection. Returns a stop function. */
export function startMaintenance(deps: RegistryDeps, options: MaintenanceOptions, logger: Logger): () => void {
  let running = false;
  const guarded = (name: string, fn: () => Promise<unknown>) => async () => {
    if (running) return;
    running = true;
    try {
      const result = await fn();
      logger.debug({ task: name, result }, 'registry maintenance');
    } catch (e) {
      logger.error({ task: name, err: String(e) }, 'registry maintenance failed');
    } finally {
      running = false;
    }
  };
  const timers = [
    setInterval(
      guarded('lifecycle', async () => applyAllLifecycles(deps)),
      options.lifecycleIntervalMs,
    ),
    setInterval(
      guarded('gc', () => collectGarbage(deps, options)),
      options.gcIntervalMs,
    ),
  ];
  for (const t of timers) t.unref();
  // At start, ingests a killed process left half written go without waiting a whole interval.
  const first = setTimeout(
    guarded('sweep', () => deps.blobs.sweepTemporary(TEMPORARY_TTL_MS)),
    5_000,
  );
  first.unref();
  timers.push(first);
  return () => timers.forEach((t) => clearInterval(t));
}
