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
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
let timer;
// Messages are handled between passes, never inside one: the connection closes between them.
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
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

  constructor(path: string, o: CheckpointerOptions = {}) {
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: {
        path,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        restartPages: o.restartPages ?? 32_000,
        idleMs: o.idleMs ?? 100,
      },
    });
    // A process that is done with its store must not be held open by its checkpointer.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  /** Stops the worker: it closes its connection after the pass it is in, and exits. */
  stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Whoever waits for the stop keeps the process up until the worker is gone.
    this.worker.ref();
    this.worker.postMessage('stop');
    return exited;
  }
}
