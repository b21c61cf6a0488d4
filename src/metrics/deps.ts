import type { Clock } from '../kernel/index.js';
import type { SharedStore } from '../store/index.js';

export interface MetricsDeps {
  store: SharedStore;
  clock: Clock;
  accountId: string;
  region: string;
}

export const nowMs = (deps: MetricsDeps) => deps.clock.now().getTime();
