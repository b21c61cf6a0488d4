import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startThroughFifo } from './exec-fifo.js';

describe('startThroughFifo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fifo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = (name: string) => {
    const p = join(dir, name);
    execFileSync('mkfifo', [p]);
    return p;
  };
  /** A process in the place of runc's init: opens the fifo for writing (blocking), writes, exits. */
  const writer = (path: string, data: string) =>
    spawn('sh', ['-c', `printf '${data}' > "$0"`, path], { stdio: 'ignore' });

  it('releases a waiting writer, and removes the fifo once it has written and gone', async () => {
    const p = fifo('created');
    const w = writer(p, '0');
    const closed = new Promise((r) => w.once('close', r));
    assert.equal(await startThroughFifo(p, 5000), true);
    assert.equal(existsSync(p), false, 'the fifo is gone, as runc start leaves it');
    assert.equal(await closed, 0, 'the writer was let through');
  });

  it('works when the writer arrives after the reader', async () => {
    const p = fifo('late');
    const started = startThroughFifo(p, 5000);
    await new Promise((r) => setTimeout(r, 100));
    writer(p, '0');
    assert.equal(await started, true);
  });

  it('says false when there is no fifo, nobody writes, or the writer leaves without a byte', async () => {
    assert.equal(await startThroughFifo(join(dir, 'missing'), 1000), false);
    const silent = fifo('silent');
    assert.equal(await startThroughFifo(silent, 200), false);
    assert.equal(existsSync(silent), true, 'left for runc start to report on');
    const empty = fifo('empty');
    writer(empty, '');
    assert.equal(await startThroughFifo(empty, 5000), false);
  });
});
