import { existsSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.js';
import { isMounted } from './rootfs.js';

/**
 * A Fargate task's ephemeral storage: a filesystem of exactly the task's size, so that its
 * containers' writable layers and its task volumes run out of space where the task's storage
 * ends, as on Fargate, and no task can fill the host. A sparse file formatted ext4 (no journal,
 * no reserved blocks, inode tables initialised lazily: ~50 ms) and loop-mounted:
 *
 *   tasks/<id>/ephemeral.img   the sparse backing file (only written blocks take host space)
 *   tasks/<id>/ephemeral/      its mount: containers/<name>/{upper,work}, volumes/<name>
 */
export const ephemeralDir = (taskDir: string) => join(taskDir, 'ephemeral');

export async function mountEphemeral(taskDir: string, sizeGiB: number): Promise<string> {
  const dir = ephemeralDir(taskDir);
  if (await isMounted(dir)) return dir; // an agent restart finds it mounted
  const image = join(taskDir, 'ephemeral.img');
  if (!existsSync(image)) {
    const f = await open(image, 'w');
    try {
      await f.truncate(sizeGiB * 1024 ** 3);
    } finally {
      await f.close();
    }
    const opts = ['-q', '-F', '-m', '0', '-O', '^has_journal', '-E', 'lazy_itable_init=1,lazy_journal_init=1'];
    await run('mkfs.ext4', [...opts, image]).catch((e: Error) => {
      throw new Error(`ephemeral storage: mkfs.ext4 failed (scripts/install.sh installs e2fsprogs): ${e.message}`);
    });
  }
  await mkdir(dir, { recursive: true });
  await run('mount', ['-o', 'loop,nosuid,nodev', image, dir]);
  return dir;
}

/** Unmounts (the loop device is released with it) and removes the storage. */
export async function removeEphemeral(taskDir: string): Promise<void> {
  const dir = ephemeralDir(taskDir);
  if (await isMounted(dir)) await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
  await rm(dir, { recursive: true, force: true });
  await rm(join(taskDir, 'ephemeral.img'), { force: true });
}
