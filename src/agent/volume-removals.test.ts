import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TaskSpec } from '../wire/index.js';
import { removeSharedVolumes } from './volume-removals.js';

describe('shared volume removals', () => {
  it('removes the named volumes, not those in use, and nothing outside the volumes directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-vr-'));
    try {
      const dir = join(root, 'volumes');
      for (const v of ['pvc-a', 'pvc-b', 'keep']) {
        mkdirSync(join(dir, v, 'sub'), { recursive: true });
        writeFileSync(join(dir, v, 'sub', 'f'), 'x');
      }
      writeFileSync(join(root, 'outside'), 'x');
      const using = { sandbox: { volumes: [{ name: 'd', source: { type: 'shared', id: 'pvc-b' } }] } } as TaskSpec;
      const done = await removeSharedVolumes(dir, ['pvc-a', 'pvc-b', 'pvc-gone', '..', '../outside', '/etc'], [using]);
      assert.ok(!existsSync(join(dir, 'pvc-a')));
      assert.ok(existsSync(join(dir, 'pvc-b', 'sub', 'f')), 'in use: kept for later');
      assert.ok(existsSync(join(dir, 'keep')));
      assert.ok(existsSync(join(root, 'outside')));
      assert.ok(existsSync(dir));
      assert.deepEqual(done.slice(0, 2), ['pvc-a', 'pvc-gone']);
      assert.ok(!done.includes('pvc-b'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
