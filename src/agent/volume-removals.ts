import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskSpec } from '../wire/index.js';
import { volumeSource } from './runtime/volumes.js';

/**
 * Removes shared volumes the control plane no longer keeps (a Kubernetes local-path volume whose
 * claim is gone, reclaim policy Delete): each named directory under the agent's volumes directory,
 * unless a task still here mounts it. Returns the ids done with (removed, or already absent), which
 * the control plane confirms; a volume in use is left for a later message.
 */
export async function removeSharedVolumes(
  volumesDir: string,
  ids: readonly string[],
  tasks: Iterable<TaskSpec>,
): Promise<string[]> {
  const inUse = new Set<string>();
  for (const t of tasks)
    for (const v of t.sandbox.volumes) if (v.source.type === 'shared' && v.source.id) inUse.add(v.source.id);
  const done: string[] = [];
  for (const id of ids) {
    if (inUse.has(id)) continue;
    // The same path a mount of it takes: one segment of its own under the volumes directory.
    const dir = volumeSource({ name: id, source: { type: 'shared', id } }, { taskDir: '', sharedDir: volumesDir });
    if (dir === volumesDir || !dir.startsWith(join(volumesDir, '/'))) continue;
    await rm(dir, { recursive: true, force: true });
    done.push(id);
  }
  return done;
}
