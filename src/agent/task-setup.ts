import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskSpec } from '../wire/index.js';
import { mountEphemeral } from './runtime/ephemeral.js';
import { freeHostPort, setUpNetwork, type NetworkConfig, type PortBinding } from './runtime/network.js';
import { renderResolvConf, taskResolvConf } from './runtime/resolv-conf.js';
import { createTaskCgroup } from './runtime/task-cgroup.js';
import type { LocalTask } from './task-state.js';

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
  const hosts = [`127.0.0.1\tlocalhost`, `::1\tlocalhost ip6-localhost`, `${ip ?? '127.0.1.1'}\t${hostname}`, ...extra];
  const dns = await taskResolvConf(spec.networkMode);
  await Promise.all([
    writeFile(join(etc, 'hosts'), [...hosts, ''].join('\n')),
    writeFile(join(etc, 'hostname'), `${hostname}\n`),
    writeFile(join(etc, 'resolv.conf'), renderResolvConf(dns)),
    // A container that names its own DNS servers or search domains gets a file of its own.
    ...(spec.containers as Json[])
      .filter(ownDns)
      .map((c) => writeFile(join(etc, `resolv-${String(c.name)}.conf`), renderResolvConf(dns, c))),
  ]);
}

const ownDns = (c: Json) => Boolean(c.dnsServers?.length || c.dnsSearchDomains?.length);

export const etcBinds = (dir: string, c: Json) =>
  ['hosts', 'hostname', 'resolv.conf'].map((f) => ({
    path: `/etc/${f}`,
    source: join(dir, 'etc', f === 'resolv.conf' && ownDns(c) ? `resolv-${String(c.name)}.conf` : f),
  }));

/**
 * Everything a task's containers need besides their images and their own directories (each
 * container's bundle writer makes those): on Fargate the task's own cgroup (held to its CPU and
 * memory) and ephemeral storage of its size; then host ports, the network and the /etc files.
 */
export async function prepareSandbox(t: LocalTask, dir: string, network: NetworkConfig): Promise<void> {
  if (t.spec.fargate) {
    await createTaskCgroup(t.spec.taskId, t.spec.cpu, t.spec.memory);
    await mountEphemeral(dir, t.spec.fargate.ephemeralStorageGiB);
  }
  t.bindings = await portBindings(t.spec);
  t.network = await setUpNetwork(network, t.spec.taskId, t.spec.networkMode, t.bindings);
  await writeEtcFiles(dir, t.spec, t.network?.ip);
}
