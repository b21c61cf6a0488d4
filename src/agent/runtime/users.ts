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

type Ids = { uid: number; gid: number };

/**
 * Users as each image resolves them. An image's /etc/passwd and /etc/group cannot change (its
 * layers are content-addressed), so once a (digest, user) pair has been resolved against a
 * mounted rootfs, later containers of that image know their uid and gid without one.
 */
export class ImageUsers {
  private readonly known = new Map<string, Ids>();

  /** The ids already known for this image and user (root when no user is asked for). */
  lookup(digest: string, user: string | undefined): Ids | undefined {
    return user ? this.known.get(`${digest} ${user}`) : { uid: 0, gid: 0 };
  }

  /** Resolves against the image's mounted rootfs, and remembers the answer. */
  resolve(rootfs: string, digest: string, user: string | undefined): Ids {
    const ids = resolveUser(rootfs, user);
    if (user) {
      if (this.known.size >= 4096) this.known.clear(); // a bound, not a policy: entries are cheap to redo
      this.known.set(`${digest} ${user}`, ids);
    }
    return ids;
  }
}
