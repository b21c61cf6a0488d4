import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';
import { defineTable } from './port.js';
import { beginRetrying, SqliteStore } from './sqlite-store.js';
import { storeConformance } from './store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeConformance('sqlite', (historyLimit) => new SqliteStore(join(dir, `db-${n++}.db`), historyLimit));

describe('sqlite store on disk', () => {
  const items = defineTable<{ id: string; v: number }>('items', (i) => i.id);

  it('keeps data, revision and history across a reopen', async () => {
    const path = join(dir, 'reopen.db');
    const a = new SqliteStore(path);
    a.write((tx) => tx.put(items, { id: 'x', v: 1 }));
    a.write((tx) => tx.put(items, { id: 'x', v: 2 }));
    a.close();
    const b = new SqliteStore(path);
    assert.equal(b.revision(), 2);
    assert.deepEqual(
      b.read((tx) => tx.get(items, 'x')),
      { key: 'x', value: { id: 'x', v: 2 }, createRevision: 1, modRevision: 2 },
    );
    const seen: number[] = [];
    for await (const c of b.watch(0)) {
      seen.push(c.revision);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [1, 2]);
    b.close();
  });

  it('records the schema version and refuses a newer one', () => {
    const path = join(dir, 'schema.db');
    new SqliteStore(path).close();
    const db = new Database(path);
    assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    assert.throws(() => new SqliteStore(path), /newer than this berth understands/);
  });

  it('uses WAL journaling', () => {
    const path = join(dir, 'wal.db');
    new SqliteStore(path).close();
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });
});

describe('sqlite store: a busy BEGIN', () => {
  const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

  it('is tried again until it goes through', () => {
    let tries = 0;
    const out = beginRetrying(
      () => {
        if (++tries < 4) throw busy();
        return 'done';
      },
      () => false,
    );
    assert.equal(out, 'done');
    assert.equal(tries, 4);
  });

  it('is not tried again once the transaction has begun, nor for other errors', () => {
    let tries = 0;
    assert.throws(
      () =>
        beginRetrying(
          () => {
            tries++;
            throw busy();
          },
          () => true,
        ),
      /database is locked/,
    );
    assert.throws(
      () =>
        beginRetrying(
          () => {
            tries++;
            throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
          },
          () => false,
        ),
      /disk I\/O/,
    );
    assert.equal(tries, 2);
  });

  it('gives up at its deadline', () => {
    let tries = 0;
    assert.throws(
      () =>
        beginRetrying(
          () => {
            tries++;
            throw busy();
          },
          () => false,
          5,
        ),
      /database is locked/,
    );
    assert.ok(tries > 1);
  });
});
