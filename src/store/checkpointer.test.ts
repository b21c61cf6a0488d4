import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the checkpointer copies the WAL off the writer’s thread and keeps it bounded; stopping closes its connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ckpt-'));
  const path = join(dir, 'db');
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    // Only the worker checkpoints: without it, the WAL would hold every page written below.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const ckpt = new Checkpointer(path, { restartPages: 300, idleMs: 5 });
    const put = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const page = 'x'.repeat(4000);
    // ~3,000 pages (12 MB), ten to a transaction, with pauses as a server's writes have.
    for (let i = 0; i < 300; i++) {
      db.transaction(() => {
        for (let j = 0; j < 10; j++) put.run(i * 10 + j, page);
      })();
      await pause(2);
    }
    const walBytes = statSync(`${path}-wal`).size;
    assert.ok(walBytes < 6 * 2 ** 20, `the WAL was started over (it is ${walBytes} bytes; 12 MB were written)`);
    ckpt.stopSync();
    db.close();
    assert.ok(!existsSync(`${path}-wal`), 'the last connection to close removed the WAL: the worker’s was closed');
    const again = new Database(path, { readonly: true });
    assert.equal((again.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 3000, 'nothing lost');
    again.close();
  } finally {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
