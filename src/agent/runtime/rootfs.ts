import { readFile } from 'node:fs/promises';
import { run } from './exec.js';

/** A container's overlay: the image's snapshots (bottom first), its own upper and work directories. */
export interface RootOverlay {
  layers: string[];
  upper: string;
  work: string;
}

/** overlayfs's mount options; it lists lower layers topmost first. */
export function overlayOptions(o: RootOverlay): string[] {
  return [`lowerdir=${[...o.layers].reverse().join(':')}`, `upperdir=${o.upper}`, `workdir=${o.work}`];
}

/**
 * The overlay as the first mount of an OCI spec, over the container's root: the runtime mounts it
 * inside the container's own mount namespace, so the host gains no mount to make (a process to
 * spawn) or to undo, and the mount goes away with the container however it ends.
 */
export function rootOverlayMount(o: RootOverlay): {
  destination: string;
  type: string;
  source: string;
  options: string[];
} {
  return { destination: '/', type: 'overlay', source: 'overlay', options: overlayOptions(o) };
}

/**
 * A container's root filesystem mounted on the host (at an existing `target`): the image's
 * snapshots as overlay lower layers (shared by every task, never copied) and one writable upper
 * directory of its own.
 */
export async function mountRootfs(o: RootOverlay, target: string): Promise<void> {
  if (await isMounted(target)) return;
  await run('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions(o).join(','), target]);
}

export async function isMounted(target: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[1] === target);
}

export async function unmount(target: string): Promise<void> {
  if (await isMounted(target)) await run('umount', ['-l', target]);
}
