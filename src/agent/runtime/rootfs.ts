import { mkdir, readFile } from 'node:fs/promises';
import { run } from './exec.js';

/**
 * A container's root filesystem: the image's snapshots as overlay lower layers (shared by every
 * task, never copied) and one writable upper directory of its own.
 */
export async function mountRootfs(layers: string[], upper: string, work: string, target: string): Promise<void> {
  await Promise.all([upper, work, target].map((d) => mkdir(d, { recursive: true })));
  if (await isMounted(target)) return;
  // overlayfs lists lower layers topmost first.
  const lower = [...layers].reverse().join(':');
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, target]);
}

export async function isMounted(target: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[1] === target);
}

export async function unmount(target: string): Promise<void> {
  if (await isMounted(target)) await run('umount', ['-l', target]);
}
