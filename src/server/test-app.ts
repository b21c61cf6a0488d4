import type { FastifyInstance } from 'fastify';
import type { ControlPlaneDeps } from '../control-plane/deps.js';
import { ManualClock } from '../kernel/clock.js';
import { createLogger } from '../kernel/logger.js';
import { testRegistryDeps, type TestRegistryDeps } from '../registry/test-deps.js';
import { buildApp } from './app.js';
import { defaults, type BerthConfig } from './config.js';

export interface TestApp {
  app: FastifyInstance;
  registry: TestRegistryDeps;
  controlPlane: ControlPlaneDeps;
  dispose(): Promise<void>;
}

/**
 * The edge app for tests: in-memory store, real blobs in a temp dir, a manual clock, no logging;
 * a test may change the config, the keys or the clock.
 */
export async function testApp(
  o: { config?: Partial<BerthConfig>; keys?: ReadonlyMap<string, string>; clock?: ManualClock } = {},
): Promise<TestApp> {
  const registry = testRegistryDeps();
  const clock = o.clock ?? registry.clock;
  const controlPlane: ControlPlaneDeps = {
    store: registry.store,
    clock,
    accountId: '000000000000',
    region: 'us-east-1',
  };
  const app = await buildApp({
    config: { ...defaults, ...o.config },
    keys: o.keys ?? new Map(),
    clock: o.clock ?? new ManualClock(),
    logger: createLogger('silent'),
    registry,
    controlPlane,
  });
  return {
    app,
    registry,
    controlPlane,
    async dispose() {
      await app.close();
      registry.dispose();
    },
  };
}
