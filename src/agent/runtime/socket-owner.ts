import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One end of a TCP connection, as the peer's address and port. */
export interface Endpoint {
  address: string;
  port: number;
}

/** `0100007F:0050` (/proc/net/tcp: the IPv4 address as a little-endian word, the port big-endian). */
function hexEndpoint(e: Endpoint): string | undefined {
  const o = e.address.replace(/^::ffff:/, '').split('.');
  if (o.length !== 4 || !o.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) return undefined;
  const addr = o
    .reverse()
    .map((p) => Number(p).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `${addr}:${e.port.toString(16).padStart(4, '0').toUpperCase()}`;
}

/** The inode of the socket whose local end is `local` and remote end `remote`, from /proc/net/tcp. */
async function socketInode(proc: string, local: Endpoint, remote: Endpoint): Promise<string | undefined> {
  const l = hexEndpoint(local);
  const r = hexEndpoint(remote);
  if (!l || !r) return undefined;
  const table = await readFile(join(proc, 'net', 'tcp'), 'utf8').catch(() => '');
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === l && f[2] === r) return f[9];
  }
  return undefined;
}

/** The processes in a cgroup (`path` as an OCI spec names it): v2's unified tree, else v1's memory controller. */
async function processesOf(root: string, path: string): Promise<string[]> {
  const rel = path.replace(/^\/+/, '');
  const file = existsSync(join(root, 'cgroup.controllers'))
    ? join(root, rel, 'cgroup.procs')
    : join(root, 'memory', rel, 'cgroup.procs');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((p) => /^\d+$/.test(p));
}

/**
 * Whether the TCP connection a process of the host's own network opened from `client` to
 * `server` belongs to a process in one of `cgroups`: the client socket's inode is found in
 * /proc/net/tcp, then among the open files of the cgroups' processes. This is how the task
 * endpoint tells which host-network task asks (they all share the host's addresses).
 */
export async function connectionOwnedBy(
  client: Endpoint,
  server: Endpoint,
  cgroups: readonly string[],
  roots: { cgroup: string; proc: string } = { cgroup: '/sys/fs/cgroup', proc: '/proc' },
): Promise<boolean> {
  const inode = await socketInode(roots.proc, client, server);
  if (!inode || inode === '0') return false;
  const want = `socket:[${inode}]`;
  for (const cgroup of cgroups)
    for (const pid of await processesOf(roots.cgroup, cgroup)) {
      const fdDir = join(roots.proc, pid, 'fd');
      for (const fd of await readdir(fdDir).catch(() => [] as string[]))
        if ((await readlink(join(fdDir, fd)).catch(() => '')) === want) return true;
    }
  return false;
}
