import { ManualClock } from '../kernel/clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import type { LogsDeps } from './deps.js';
import { EventFiles } from './event-files.js';

/**
 * Logs dependencies for unit tests: the in-memory store and a manual clock; with `filesDir`,
 * events in event files there (as several servers keep them) written as server `writer`.
 */
export function testLogsDeps(filesDir?: string, writer = 'test'): LogsDeps & { clock: ManualClock } {
  return {
    ...(filesDir ? { events: new EventFiles(filesDir, writer) } : {}),
    store: localShared(new MemoryStore()),
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    accountId: '000000000000',
    region: 'us-east-1',
  };
}
