import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../blob/fs-blob-store.js';
import { ManualClock } from '../kernel/clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import type { RegistryDeps } from './deps.js';

export type TestRegistryDeps = RegistryDeps & {
  clock: ManualClock;
  blobRoot: string;
  /** The store underneath, for tests that give other modules the same one. */
  local: MemoryStore;
  dispose(): void;
};

/** Registry dependencies for unit tests: the in-memory store, real blobs in a temp dir, a manual clock. */
export function testRegistryDeps(overrides: Partial<RegistryDeps> = {}): TestRegistryDeps {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const blobRoot = join(dir, 'blobs');
  const local = new MemoryStore();
  return {
    store: localShared(local),
    local,
    tokenKey: randomBytes(32),
    blobs: new FsBlobStore(blobRoot),
    blobRoot,
    clock: new ManualClock(Date.UTC(2024, 0, 1)),
    accountId: '000000000000',
    region: 'us-east-1',
    registryHost: 'localhost:4566',
    createOnPush: false,
    maxManifestSize: 4 * 1024 * 1024,
    ...overrides,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  } as TestRegistryDeps;
}
