import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database and
 * syncs it: on the thread that commits, SQLite's automatic checkpoint stalled every API call for
 * ~200 ms per 64 MB of WAL (a RunTask burst writes that in seconds). Here a worker thread with
 * a connection of its own checkpoints PASSIVE-ly (never blocking the writer) as soon as the WAL
 * has pages to copy, and the writer starts the WAL over at its next commit once a pass has copied
 * all of it. Only when writes never pause and the WAL grows large does the worker use a RESTART
 * checkpoint, which holds the writer for the pages written since its last pass and one sync. The writer keeps SQLite's own checkpoint as a far
 * backstop should the worker be gone.
 */
export interface CheckpointerOptions {
  /**
   * WAL pages after which the worker restarts the WAL: 32,000 (128 MB). A restart holds the
   * writer for a sync (tens of ms here), so it is kept for long bursts; after a burst the WAL
   * starts over by itself once a passive pass has copied all of it.
   */
  restartPages?: number;
  /** How often the worker looks at the WAL when it last found nothing to copy. */
  idleMs?: number;
}

// The worker's program: CommonJS in an eval'd worker, so it runs the same from src/ and dist/.
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
// done[0] turns 1 once this worker's connection is closed (or never opened): what stopSync waits for.
const done = new Int32Array(workerData.done);
const closed = () => { Atomics.store(done, 0, 1); Atomics.notify(done, 0); };
let db;
try {
  db = new (require(workerData.driver))(workerData.path);
  db.pragma('busy_timeout = 0');
} catch (e) {
  closed();
  throw e;
}
let timer;
// Messages are handled between passes, never inside one: the connection closes between them.
parentPort.on('message', () => {
  clearTimeout(timer);
  try { db.close(); } finally { closed(); }
  parentPort.close();
});
const step = () => {
  let wait = workerData.idleMs;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (r.log > workerData.restartPages && r.checkpointed >= r.log - 64) {
      // Holds the writer for the few pages written since the passive pass, then lets it wrap the WAL.
      db.pragma('busy_timeout = 2000');
      try { db.pragma('wal_checkpoint(RESTART)'); } finally { db.pragma('busy_timeout = 0'); }
    }
    if (r.log > 0) wait = 20;
  } catch (e) {
    // Busy (the writer is mid-transaction) or any other refusal: the next pass tries again.
  }
  timer = setTimeout(step, wait);
};
step();
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));

  constructor(path: string, o: CheckpointerOptions = {}) {
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: {
        path,
        done: this.done.buffer,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        restartPages: o.restartPages ?? 32_000,
        idleMs: o.idleMs ?? 100,
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
    this.worker.postMessage('stop');
    Atomics.wait(this.done, 0, 0, timeoutMs);
  }
}
