import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSpec, TaskSpec } from '../wire/index.js';
import { mountEphemeral } from './runtime/ephemeral.js';
import { freeHostPort, setUpNetwork, type NetworkConfig, type PortBinding } from './runtime/network.js';
import { renderResolvConf, taskResolvConf } from './runtime/resolv-conf.js';
import { createTaskCgroup } from './runtime/task-cgroup.js';
import type { LocalTask } from './task-state.js';

/** Host ports for every container port: the fixed one the spec gives, else a free one. */
export async function portBindings(spec: TaskSpec): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const c of spec.containers) {
    for (const p of c.ports) {
      out.push({
        containerPort: p.containerPort,
        hostPort: p.hostPort ?? (await freeHostPort()),
        protocol: p.protocol,
      });
    }
  }
  return out;
}

/**
 * The task's /etc/hosts, /etc/hostname and /etc/resolv.conf, bound read-only into each container.
 * Read and written synchronously: small local files, each call a few tens of microseconds, where
 * a thread-pool round trip costs 0.3-0.6 ms of the start here.
 */
export async function writeEtcFiles(dir: string, spec: TaskSpec, ip: string | undefined): Promise<void> {
  const etc = join(dir, 'etc');
  mkdirSync(etc, { recursive: true });
  const hostname = spec.sandbox.hostname;
  const extra = spec.containers.flatMap((c) => c.hostAliases.map((h) => `${h.ip}\t${h.hostname}`));
  const hosts = [`127.0.0.1\tlocalhost`, `::1\tlocalhost ip6-localhost`, `${ip ?? '127.0.1.1'}\t${hostname}`, ...extra];
  const dns = await taskResolvConf(spec.sandbox.network.mode, async (p) => readFileSync(p, 'utf8'));
  writeFileSync(join(etc, 'hosts'), [...hosts, ''].join('\n'));
  writeFileSync(join(etc, 'hostname'), `${hostname}\n`);
  writeFileSync(join(etc, 'resolv.conf'), renderResolvConf(dns));
  // A container that names its own DNS servers or search domains gets a file of its own.
  for (const c of spec.containers.filter(ownDns))
    writeFileSync(join(etc, `resolv-${c.name}.conf`), renderResolvConf(dns, c.dns));
}

const ownDns = (c: ContainerSpec) => Boolean(c.dns?.servers.length || c.dns?.searches.length);

export const etcBinds = (dir: string, c: ContainerSpec) =>
  ['hosts', 'hostname', 'resolv.conf'].map((f) => ({
    path: `/etc/${f}`,
    source: join(dir, 'etc', f === 'resolv.conf' && ownDns(c) ? `resolv-${c.name}.conf` : f),
  }));

/**
 * Everything a task's containers need besides their images and their own directories (each
 * container's bundle writer makes those): on Fargate the task's own cgroup (held to its CPU and
 * memory) and ephemeral storage of its size; then host ports, the network and the /etc files.
 */
export async function prepareSandbox(t: LocalTask, dir: string, network: NetworkConfig): Promise<void> {
  const isolation = t.spec.sandbox.isolation;
  if (isolation) {
    await createTaskCgroup(t.spec.id, isolation.cpuUnits, isolation.memoryBytes / (1024 * 1024));
    await mountEphemeral(dir, isolation.storageBytes / 1024 ** 3);
  }
  t.bindings = await portBindings(t.spec);
  t.network = await setUpNetwork(network, t.spec.id, t.spec.sandbox.network.mode, t.bindings);
  await writeEtcFiles(dir, t.spec, t.network?.ip);
}
