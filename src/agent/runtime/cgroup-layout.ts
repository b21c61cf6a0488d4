import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../kernel/index.js';
import { run } from './exec.js';

const ROOT = '/sys/fs/cgroup';

const words = async (path: string): Promise<string[]> =>
  (await readFile(path, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean);

/**
 * crun refuses a hybrid cgroup layout (cgroup v1 controllers, a v2 hierarchy at
 * /sys/fs/cgroup/unified) while the v2 hierarchy still offers a controller: "cgroups in hybrid
 * mode not supported, drop all controllers from cgroupv2". A systemd host in hybrid mode binds
 * every controller to v1 and leaves none there; a host that left some in v2 unused (say
 * hugetlb) gets each bound to a v1 hierarchy of its own, as systemd would have done. Nothing is
 * touched on a pure v1 or pure v2 host, or when v2 already offers nothing.
 */
export async function prepareCgroupsForCrun(logger: Logger, root = ROOT): Promise<void> {
  const unified = join(root, 'unified');
  if (!existsSync(join(unified, 'cgroup.controllers'))) return;
  const offered = await words(join(unified, 'cgroup.controllers'));
  if (offered.length === 0) return;
  const enabled = await words(join(unified, 'cgroup.subtree_control'));
  const busy = offered.filter((c) => enabled.includes(c));
  if (busy.length)
    throw new Error(
      `crun cannot run on this host's hybrid cgroup layout: cgroup v2 has ${busy.join(', ')} enabled; use --runtime runc`,
    );
  for (const c of offered) {
    const dir = join(root, c);
    try {
      await mkdir(dir, { recursive: true });
      await run('mount', ['-t', 'cgroup', '-o', c, 'cgroup', dir]);
      logger.info({ controller: c, at: dir }, 'bound a cgroup controller left in cgroup v2 to cgroup v1, for crun');
    } catch (e) {
      throw new Error(
        `crun cannot run on this host's hybrid cgroup layout: binding ${c} to cgroup v1 failed (${(e as Error).message}); use --runtime runc`,
        { cause: e },
      );
    }
  }
  const left = await words(join(unified, 'cgroup.controllers'));
  if (left.length)
    throw new Error(`crun cannot run on this host's hybrid cgroup layout: cgroup v2 still offers ${left.join(', ')}`);
}
