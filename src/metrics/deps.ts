import type { Clock } from '../kernel/index.js';
import type { Store } from '../store/index.js';

export interface MetricsDeps {
  store: Store;
  clock: Clock;
  accountId: string;
  region: string;
}

export const nowMs = (deps: MetricsDeps) => deps.clock.now().getTime();
