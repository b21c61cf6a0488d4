import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../kernel/logger.js';
import { prepareCgroupsForCrun } from './cgroup-layout.js';

const logger = createLogger('silent');
const layout = (controllers: string, subtree: string) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-cg-'));
  mkdirSync(join(root, 'unified'));
  writeFileSync(join(root, 'unified', 'cgroup.controllers'), controllers);
  writeFileSync(join(root, 'unified', 'cgroup.subtree_control'), subtree);
  return root;
};

describe('cgroup layout for crun', () => {
  it('leaves a host alone when cgroup v2 offers nothing, or there is no hybrid layout', async () => {
    const root = layout('\n', '');
    await prepareCgroupsForCrun(logger, root);
    assert.deepEqual(readdirSync(root), ['unified'], 'nothing bound');
    const plain = mkdtempSync(join(tmpdir(), 'berth-cg-'));
    await prepareCgroupsForCrun(logger, plain);
    assert.deepEqual(readdirSync(plain), []);
    rmSync(root, { recursive: true });
    rmSync(plain, { recursive: true });
  });

  it('refuses, naming them, when cgroup v2 has controllers in use', async () => {
    const root = layout('hugetlb pids\n', 'pids\n');
    await assert.rejects(prepareCgroupsForCrun(logger, root), /cgroup v2 has pids enabled; use --runtime runc/);
    rmSync(root, { recursive: true });
  });
});
