import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../kernel/index.js';

/**
 * One berth per data directory: a lock file holding the owner's pid, created exclusively.
 * A lock whose owner is gone (killed with -9) is taken over, so a crash never needs cleanup.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, 'berth.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // The lock exists: refuse if its owner lives, otherwise it is stale and is taken over.
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
          throw new Error(
            `data directory ${dataDir} is in use by another berth (pid ${owner}); stop it first or use --data-dir`,
            { cause: e },
          );
        }
        rmSync(path, { force: true });
      }
    }
    throw new Error(`could not lock data directory ${dataDir}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}
