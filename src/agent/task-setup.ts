import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskSpec } from '../wire/agent-protocol.js';
import { freeHostPort, type PortBinding } from './runtime/network.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the registered JSON */
type Json = Record<string, any>;

/** Host ports for every port mapping: bridge takes the fixed one or a free dynamic one; awsvpc/host the container's. */
export async function portBindings(spec: TaskSpec): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const c of spec.containers as Json[]) {
    for (const pm of (c.portMappings ?? []) as Json[]) {
      if (pm.containerPort === undefined) continue;
      const hostPort = spec.networkMode === 'bridge' ? pm.hostPort || (await freeHostPort()) : pm.containerPort;
      out.push({ containerPort: pm.containerPort, hostPort, protocol: pm.protocol ?? 'tcp' });
    }
  }
  return out;
}

/** The task's /etc/hosts, /etc/hostname and /etc/resolv.conf, bound read-only into each container. */
export async function writeEtcFiles(dir: string, spec: TaskSpec, ip: string | undefined): Promise<void> {
  const etc = join(dir, 'etc');
  await mkdir(etc, { recursive: true });
  const hostname = spec.taskId.slice(0, 12);
  const extra = (spec.containers as Json[]).flatMap((c) =>
    ((c.extraHosts ?? []) as Json[]).map((h) => `${h.ipAddress}\t${h.hostname}`),
  );
  await writeFile(
    join(etc, 'hosts'),
    [`127.0.0.1\tlocalhost`, `::1\tlocalhost ip6-localhost`, `${ip ?? '127.0.1.1'}\t${hostname}`, ...extra, ''].join(
      '\n',
    ),
  );
  await writeFile(join(etc, 'hostname'), `${hostname}\n`);
  await writeFile(join(etc, 'resolv.conf'), 'nameserver 127.0.0.53\noptions ndots:0\n');
}

export const etcBinds = (dir: string) =>
  ['hosts', 'hostname', 'resolv.conf'].map((f) => ({ path: `/etc/${f}`, source: join(dir, 'etc', f) }));
