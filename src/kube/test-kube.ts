import { ManualClock } from '../kernel/index.js';
import { localShared, MemoryStore } from '../store/index.js';
import type { KubeDeps } from './deps.js';
import { ensureSystemNamespaces } from './namespaces.js';

/** A cluster `c` over a memory store, with its system namespaces, for the domain's tests. */
export async function testKube(historyLimit?: number): Promise<KubeDeps & { clock: ManualClock }> {
  const deps = { store: localShared(new MemoryStore(historyLimit)), clock: new ManualClock(Date.UTC(2026, 0, 1)) };
  await ensureSystemNamespaces(deps, 'c');
  return deps;
}
