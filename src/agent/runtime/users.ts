import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readTable(rootfs: string, file: string): string[][] {
  try {
    return readFileSync(join(rootfs, 'etc', file), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/**
 * Resolves a container's `user` (name, uid, name:group or uid:gid) against the image's own
 * /etc/passwd and /etc/group, as Docker does; root when unset.
 */
export function resolveUser(rootfs: string, user: string | undefined): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const passwd = readTable(rootfs, 'passwd');
  const entry = /^\d+$/.test(u) ? passwd.find((p) => p[2] === u) : passwd.find((p) => p[0] === u);
  if (!entry && !/^\d+$/.test(u)) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
  const uid = Number(entry?.[2] ?? u);
  let gid = Number(entry?.[3] ?? 0);
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const grp = readTable(rootfs, 'group').find((x) => x[0] === g);
      if (!grp) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(grp[2]);
    }
  }
  return { uid, gid };
}
