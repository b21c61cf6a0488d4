import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A Fargate task's own cgroup, `/berth/<task id>`, parent of its containers' cgroups and held to
 * exactly the task's CPU and memory: whatever its containers ask for, together they get no more.
 * On the hybrid (v1) layout of these hosts the limits live in the cpu and memory hierarchies; on a
 * unified (v2) host in one directory.
 *
 *   /sys/fs/cgroup/memory/berth/<task>/memory.limit_in_bytes   (v1)
 *   /sys/fs/cgroup/cpu/berth/<task>/cpu.cfs_quota_us           (v1)
 *   /sys/fs/cgroup/berth/<task>/{memory.max,cpu.max}           (v2)
 */
const ROOT = '/sys/fs/cgroup';
const PERIOD_US = 100_000;

const unified = () => existsSync(join(ROOT, 'cgroup.controllers'));

/** The cgroups path (relative, as the OCI spec takes it) of one container of the task. */
export const containerCgroup = (taskId: string, container: string) => `/berth/${taskId}/${container}`;

export async function createTaskCgroup(
  taskId: string,
  cpuUnits: number,
  memoryMiB: number,
  root = ROOT,
): Promise<void> {
  const bytes = memoryMiB * 1024 * 1024;
  const quota = Math.max(1000, Math.round((cpuUnits / 1024) * PERIOD_US));
  if (root === ROOT && unified()) {
    const dir = join(root, 'berth', taskId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(root, 'berth', 'cgroup.subtree_control'), '+cpu +memory').catch(() => undefined);
    await writeFile(join(dir, 'memory.max'), String(bytes));
    await writeFile(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    return;
  }
  const mem = join(root, 'memory', 'berth', taskId);
  const cpu = join(root, 'cpu', 'berth', taskId);
  await mkdir(mem, { recursive: true });
  await mkdir(cpu, { recursive: true });
  await writeFile(join(mem, 'memory.limit_in_bytes'), String(bytes));
  await writeFile(join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
  await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(quota));
}

/** Removes the task's cgroup from every hierarchy (its containers' cgroups are gone by then). */
export async function removeTaskCgroup(taskId: string, root = ROOT): Promise<void> {
  const dirs = unified() ? [join(root, 'berth', taskId)] : [];
  if (!dirs.length) {
    for (const h of await readdir(root).catch(() => [] as string[])) dirs.push(join(root, h, 'berth', taskId));
  }
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    // Leftover container cgroups first (a container that never started leaves none).
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => []))
      if (e.isDirectory()) await rmdir(join(d, e.name)).catch(() => undefined);
    await rmdir(d).catch(() => undefined);
  }
}
