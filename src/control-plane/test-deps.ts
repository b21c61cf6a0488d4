import { ManualClock } from '../kernel/clock.js';
import { Sealer } from '../iam/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import type { ControlPlaneDeps } from './deps.js';

/** The smallest Fargate task definition (0.25 vCPU, 512 MiB, awsvpc), as tests register it. */
export const fargateTaskDefinition = (family: string, container: Record<string, unknown> = {}) => ({
  family,
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image: 'busybox', ...container }],
});

/** Control-plane dependencies for unit tests: the in-memory store, a manual clock, a seeded rng. */
export function testControlPlaneDeps(): ControlPlaneDeps & { clock: ManualClock } {
  let seed = 42;
  return {
    store: localShared(new MemoryStore()),
    clock: new ManualClock(Date.UTC(2024, 0, 1)),
    accountId: '000000000000',
    region: 'us-east-1',
    // Tasks count as steady as soon as they run, unless a test says otherwise.
    deploymentHoldMs: 0,
    sealer: Sealer.random(),
    rng: () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31,
  };
}
