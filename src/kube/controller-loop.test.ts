import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import { CONFIG_MAP } from './kinds.js';
import { changedObject, metaOf } from './object.js';
import { createObject } from './objects.js';
import { testKube } from './test-kube.js';

describe('the controllers’ loop', () => {
  it('syncs every key at the start, then the keys each change concerns, retrying a failed sync', async () => {
    const deps = await testKube();
    const synced: string[] = [];
    let failOnce = true;
    const loop = startControllerLoop(deps, createLogger('silent'), {
      name: 'test controller',
      keysOf: (c) => {
        const o = changedObject(c);
        return o && o['kind'] === 'ConfigMap' ? [metaOf(o).name ?? ''] : [];
      },
      all: () => ['start'],
      batchMs: 1,
      async sync(key) {
        if (key === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('not yet');
        }
        synced.push(key);
      },
    });
    try {
      await createObject(
        deps,
        { cluster: 'c', kind: CONFIG_MAP, namespace: 'default' },
        { kind: 'ConfigMap', metadata: { name: 'flaky' } },
      );
      for (let i = 0; i < 100 && !synced.includes('flaky'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(synced, ['start', 'flaky'], 'the failed sync was tried again');
    } finally {
      loop.stop();
    }
  });
});
