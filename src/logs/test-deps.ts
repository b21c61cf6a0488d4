import { ManualClock } from '../kernel/clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import type { LogsDeps } from './deps.js';

/** Logs dependencies for unit tests: the in-memory store and a manual clock. */
export function testLogsDeps(): LogsDeps & { clock: ManualClock } {
  return {
    store: localShared(new MemoryStore()),
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    accountId: '000000000000',
    region: 'us-east-1',
  };
}
