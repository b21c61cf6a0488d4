import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from './memory-store.js';
import { sharedStoreConformance } from './shared-conformance.js';
import { localShared } from './shared-local.js';
import { SqliteStore } from './sqlite-store.js';

sharedStoreConformance('memory', async () => {
  const s = localShared(new MemoryStore());
  return { a: s, b: s, close: async () => s.close() };
});

sharedStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-shared-'));
  const s = localShared(new SqliteStore(join(dir, 'db')));
  return {
    a: s,
    b: s,
    close: async () => {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
