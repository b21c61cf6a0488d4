import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirLock } from './data-dir-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('data directory lock', () => {
  it('admits one holder and refuses another while it lives', () => {
    const lock = DataDirLock.acquire(dir);
    assert.throws(() => DataDirLock.acquire(dir), /in use by another berth \(pid \d+\)/);
    lock.release();
    assert.equal(existsSync(join(dir, 'berth.lock')), false);
    DataDirLock.acquire(dir).release();
  });

  it('takes over a lock whose owner is gone', () => {
    // pid 2^22+1 is above Linux's pid_max ceiling, so no process can hold it.
    writeFileSync(join(dir, 'berth.lock'), String(4194305));
    const lock = DataDirLock.acquire(dir);
    lock.release();
  });
});
