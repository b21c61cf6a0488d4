import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/port.js';

export interface ControlPlaneDeps {
  store: Store;
  clock: Clock;
  accountId: string;
  region: string;
  /** Random numbers for placement tie-breaks (seedable in tests). */
  rng?: () => number;
  /** How long a disconnected agent's tasks are kept before services replace them (default 60 s). */
  agentLostGraceMs?: number;
}

export const now = (deps: ControlPlaneDeps): number => deps.clock.now().getTime();
