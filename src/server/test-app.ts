import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ControlPlaneDeps } from '../control-plane/deps.js';
import { ManualClock } from '../kernel/clock.js';
import { createLogger } from '../kernel/logger.js';
import { testRegistryDeps, type TestRegistryDeps } from '../registry/test-deps.js';
import { FsBlobStore } from '../blob/fs-blob-store.js';
import { Sealer } from '../iam/index.js';
import { scopedStore } from '../store/scoped-store.js';
import { localShared } from '../store/shared-local.js';
import { buildApp } from './app.js';
import { Regions } from './regions.js';
import { join } from 'node:path';
import { defaults, type BerthConfig } from './config.js';

export interface TestApp {
  app: FastifyInstance;
  registry: TestRegistryDeps;
  controlPlane: ControlPlaneDeps;
  regions: Regions;
  dispose(): Promise<void>;
}

/**
 * The edge app for tests: in-memory store, real blobs in a temp dir, a manual clock, no logging;
 * a test may change the config, the keys or the clock.
 */
export async function testApp(
  o: {
    config?: Partial<BerthConfig>;
    keys?: ReadonlyMap<string, string>;
    clock?: ManualClock;
    /**
     * Serve every region (each in a scoped view of the one store), not just the default one;
     * `async`: each opened asynchronously, as over etcd.
     */
    allRegions?: boolean | 'async';
  } = {},
): Promise<TestApp> {
  const registry = testRegistryDeps();
  const clock = o.clock ?? registry.clock;
  const controlPlane: ControlPlaneDeps = {
    store: registry.store,
    clock,
    accountId: '000000000000',
    region: 'us-east-1',
    sealer: Sealer.random(),
  };
  const regions = new Regions(
    { registry, controlPlane },
    o.allRegions
      ? (name) => {
          const store = localShared(scopedStore(registry.local, name));
          const made = {
            registry: {
              ...registry,
              store,
              region: name,
              tokenKey: randomBytes(32),
              blobs: new FsBlobStore(join(registry.blobRoot, '..', name)),
            },
            controlPlane: { ...controlPlane, store, region: name },
          };
          return o.allRegions === 'async' ? Promise.resolve(made) : made;
        }
      : undefined,
    registry.store,
  );
  const app = await buildApp({
    config: { ...defaults, ...o.config },
    keys: o.keys ?? new Map(),
    clock: o.clock ?? new ManualClock(),
    logger: createLogger('silent'),
    registry,
    controlPlane,
    regions,
  });
  return {
    app,
    registry,
    controlPlane,
    regions,
    async dispose() {
      await app.close();
      registry.dispose();
    },
  };
}

/** The JSON-protocol targets of the services tests call. */
export const TARGETS = {
  ecs: 'AmazonEC2ContainerServiceV20141113',
  ecr: 'AmazonEC2ContainerRegistry_V20150921',
  logs: 'Logs_20140328',
  ssm: 'AmazonSSM',
};

export type JsonAnswer = { status: number; body: Record<string, unknown> & { __type?: string; message?: string } };

/** One JSON-protocol call through the app, signed in SigV4's shape for `region` (open mode does not verify it). */
export async function jsonCall(
  app: FastifyInstance,
  service: keyof typeof TARGETS,
  op: string,
  body: object = {},
  region = 'us-east-1',
): Promise<JsonAnswer> {
  const r = await app.inject({
    method: 'POST',
    url: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${TARGETS[service]}.${op}`,
      'x-amz-date': '20240101T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=AK/20240101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab`,
    },
    payload: JSON.stringify(body),
  });
  return { status: r.statusCode, body: r.json() as JsonAnswer['body'] };
}
