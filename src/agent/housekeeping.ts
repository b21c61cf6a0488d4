import { readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../kernel/index.js';
import type { ImageStore } from './images/image-store.js';
import { loadTask } from './task-state.js';

export interface HousekeepingOptions {
  /** ECS_IMAGE_MINIMUM_CLEANUP_AGE: unused images younger than this stay. */
  imageMinimumAgeMs: number;
  /** ECS_NUM_IMAGES_DELETE_PER_CYCLE. */
  imagesPerCycle: number;
  /** ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION: how long a stopped task's directory (its logs) is kept. */
  taskCleanupWaitMs: number;
  /** Below this fraction of free space on the agent's disk, unused images go regardless of age. */
  diskPressureFreeRatio: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingOptions = {
  imageMinimumAgeMs: 60 * 60_000,
  imagesPerCycle: 5,
  taskCleanupWaitMs: 3 * 60 * 60_000,
  diskPressureFreeRatio: 0.1,
};

async function diskPressure(dir: string, ratio: number): Promise<boolean> {
  try {
    const s = await statfs(dir);
    return s.blocks > 0 && s.bavail / s.blocks < ratio;
  } catch {
    return false;
  }
}

/**
 * One housekeeping cycle, as the ECS agent's image and task cleanup: stopped tasks' directories
 * (their logs) go once they have been stopped for the wait duration, then unused images and the
 * snapshots only they needed.
 */
export async function housekeep(a: {
  dataDir: string;
  images: ImageStore;
  inUse: ReadonlySet<string>;
  options: HousekeepingOptions;
  now: number;
  logger: Logger;
}): Promise<void> {
  const tasksDir = join(a.dataDir, 'tasks');
  for (const id of await readdir(tasksDir).catch(() => [] as string[])) {
    const t = await loadTask(join(tasksDir, id));
    if (t?.cleanedUp && t.stoppedAt !== undefined && a.now - t.stoppedAt >= a.options.taskCleanupWaitMs) {
      await rm(join(tasksDir, id), { recursive: true, force: true });
    }
  }
  const removed = await a.images.cleanup({
    inUse: a.inUse,
    now: a.now,
    minimumAgeMs: a.options.imageMinimumAgeMs,
    maxPerCycle: a.options.imagesPerCycle,
    diskPressure: await diskPressure(a.dataDir, a.options.diskPressureFreeRatio),
  });
  if (removed.length > 0) a.logger.info({ images: removed }, 'removed unused images');
}
