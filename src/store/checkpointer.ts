import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database and
 * syncs it: on the thread that commits, SQLite's automatic checkpoint stalled every API call for
 * ~200 ms per 64 MB of WAL (a RunTask burst writes that in seconds). Here a worker thread with
 * a connection of its own checkpoints PASSIVE-ly (never blocking the writer) — a small WAL once a
 * second, one past 16 MB every 20 ms — and the writer starts the WAL over at its next commit once
 * a pass has copied all of it. Under a steady stream of writes a pass rarely ends with nothing
 * left, so a large WAL gets passes back to back until one ends in a pause between two of the
 * writer's transactions.
 * Whatever waits for a sync in the writer's path stalls it: a RESTART checkpoint held the writer
 * 25-230 ms here, and a passive one asked of the worker while the writer waited took 2-50 ms
 * (syncs on this disk take up to ~100 ms), so only a WAL four times the threshold, under writes
 * that never pause, gets a RESTART; SQLite's own checkpoint stays a farther backstop should the
 * worker be gone.
 */
export interface CheckpointerOptions {
  /**
   * WAL pages after which passes run back to back: 32,000 (128 MB); past four times that the
   * worker restarts the WAL itself (holding the writer for a sync).
   */
  restartPages?: number;
  /**
   * How often the worker copies a WAL of less than an eighth of restartPages (16 MB by default):
   * once a second by default.
   */
  idleMs?: number;
}

// The worker's program: CommonJS in an eval'd worker, so it runs the same from src/ and dist/.
// It sleeps in Atomics.wait on stop[0], so that stopping it (stop[0] = 1) wakes it at once, between
// two passes.
const PROGRAM = `
const { workerData } = require('node:worker_threads');
// done[0] turns 1 once this worker's connection is closed (or never opened): what stopSync waits for.
const done = new Int32Array(workerData.done);
const stop = new Int32Array(workerData.stop);
const closed = () => { Atomics.store(done, 0, 1); Atomics.notify(done, 0); };
let db;
try {
  db = new (require(workerData.driver))(workerData.path);
  db.pragma('busy_timeout = 0');
} catch (e) {
  closed();
  throw e;
}
try {
  while (Atomics.load(stop, 0) === 0) {
    let wait = workerData.idleMs;
    try {
      const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
      if (r.log > 4 * workerData.restartPages && r.checkpointed >= r.log - 64) {
        // Holds the writer for the pages written since the passive pass and a sync, then lets it wrap the WAL.
        db.pragma('busy_timeout = 2000');
        try { db.pragma('wal_checkpoint(RESTART)'); } finally { db.pragma('busy_timeout = 0'); }
      }
      // A large WAL: passes back to back, so that one ends in a pause between the writer's
      // transactions, with nothing left to copy, and the writer's next commit starts the WAL over.
      // A small one waits idleMs: each pass that copies all of it makes the writer's next commit
      // sync the WAL's header as it starts the WAL over, and passes every 20 ms put that sync in
      // most API calls that write (commits p90 2.9 ms, p99 15 ms on this disk; 1.3 and 5 ms at 1 s).
      if (r.log > workerData.restartPages) wait = 1;
      else if (r.log > workerData.restartPages / 8) wait = 20;
    } catch (e) {
      // Busy (the writer is mid-transaction) or any other refusal: the next pass tries again.
    }
    Atomics.wait(stop, 0, 0, wait);
  }
} finally {
  try { db.close(); } finally { closed(); }
}
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));

  constructor(path: string, o: CheckpointerOptions = {}) {
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: {
        path,
        done: this.done.buffer,
        stop: this.stop.buffer,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        restartPages: o.restartPages ?? 32_000,
        idleMs: o.idleMs ?? 1000,
      },
    });
    // A process that is done with its store must not be held open by its checkpointer.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  /**
   * Stops the worker and returns once its connection is closed (after the pass it is in), so
   * that a closed store leaves nothing open on its files: the data directory may be released,
   * removed or opened again at once. Waits at most `timeoutMs`.
   */
  stopSync(timeoutMs = 5000): void {
    Atomics.store(this.stop, 0, 1);
    Atomics.notify(this.stop, 0);
    Atomics.wait(this.done, 0, 0, timeoutMs);
  }
}
