import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { run } from './exec.js';

/** A host port binding as ECS reports it. */
export interface PortBinding {
  containerPort: number;
  hostPort: number;
  protocol: 'tcp' | 'udp';
}

export interface TaskNetwork {
  netnsPath?: string;
  ip?: string;
  mac?: string;
  bindings: PortBinding[];
}

export interface NetworkConfig {
  /** Where the standard CNI plugins live (Debian: /usr/lib/cni). */
  cniPath: string;
  bridge: string;
  subnet: string;
  dataDir: string;
}

const netnsName = (taskId: string) => `berth-${taskId.slice(0, 24)}`;

function cni(
  config: NetworkConfig,
  plugin: string,
  command: 'ADD' | 'DEL',
  netns: string,
  id: string,
  conf: object,
  ifname = 'eth0',
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(`${config.cniPath}/${plugin}`, [], {
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: id,
        CNI_NETNS: netns,
        CNI_IFNAME: ifname,
        CNI_PATH: config.cniPath,
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      if (code === 0) resolve(out.trim() ? (JSON.parse(out) as Record<string, unknown>) : {});
      else reject(new Error(`CNI ${plugin} ${command}: ${out || err}`));
    });
    p.stdin.end(JSON.stringify(conf));
  });
}

const LOOPBACK = { cniVersion: '1.0.0', name: 'berth-lo', type: 'loopback' };

function pluginConfs(config: NetworkConfig, bindings: PortBinding[]) {
  const base = { cniVersion: '1.0.0', name: 'berth' };
  const bridge = {
    ...base,
    type: 'bridge',
    bridge: config.bridge,
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: config.subnet }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: `${config.dataDir}/ipam`,
    },
  };
  const confs: [string, Record<string, unknown>][] = [['bridge', bridge]];
  if (bindings.length > 0) {
    confs.push([
      'portmap',
      {
        ...base,
        type: 'portmap',
        capabilities: { portMappings: true },
        snat: true,
        runtimeConfig: { portMappings: bindings },
      },
    ]);
  }
  return confs;
}

/** A free host port from the kernel's ephemeral range (32768–60999 here), as ECS picks dynamic ports. */
export function freeHostPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '0.0.0.0', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * The task's network: `host` shares the host's namespace, `none` gets a private one with only
 * loopback (runc makes it), `bridge` and `awsvpc` get a namespace of their own on the berth
 * bridge through the standard CNI plugins; `bridge` also publishes host ports with portmap.
 */
export async function setUpNetwork(
  config: NetworkConfig,
  taskId: string,
  mode: string,
  bindings: PortBinding[],
): Promise<TaskNetwork> {
  if (mode === 'host' || mode === 'none') return { bindings: mode === 'host' ? bindings : [] };
  await mkdir(config.dataDir, { recursive: true });
  const name = netnsName(taskId);
  const path = `/var/run/netns/${name}`;
  await run('ip', ['netns', 'add', name]).catch((e: Error) => {
    if (!/File exists/.test(e.message)) throw e;
  });
  // A new namespace's `lo` is down: the loopback plugin brings it up (health checks on
  // localhost, sidecars on localhost:port), beside the bridge chain rather than after it.
  const loopback = cni(config, 'loopback', 'ADD', path, taskId, LOOPBACK, 'lo');
  let prev: Record<string, unknown> | undefined;
  for (const [plugin, conf] of pluginConfs(config, mode === 'bridge' ? bindings : [])) {
    prev = await cni(config, plugin, 'ADD', path, taskId, prev ? { ...conf, prevResult: prev } : conf);
  }
  await loopback;
  const ips = (prev?.ips as { address: string }[] | undefined) ?? [];
  const ifaces = (prev?.interfaces as { name: string; mac: string; sandbox?: string }[] | undefined) ?? [];
  const ip = ips[0]?.address.split('/')[0];
  const mac = ifaces.find((i) => i.sandbox)?.mac;
  return {
    netnsPath: path,
    ...(ip ? { ip } : {}),
    ...(mac ? { mac } : {}),
    bindings: mode === 'bridge' ? bindings : [],
  };
}

export async function tearDownNetwork(
  config: NetworkConfig,
  taskId: string,
  mode: string,
  bindings: PortBinding[],
): Promise<void> {
  if (mode === 'host' || mode === 'none') return;
  const name = netnsName(taskId);
  const path = `/var/run/netns/${name}`;
  for (const [plugin, conf] of pluginConfs(config, mode === 'bridge' ? bindings : []).reverse()) {
    await cni(config, plugin, 'DEL', path, taskId, conf).catch(() => undefined);
  }
  await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}

/** The host's task bridge, made (and brought up) if no task has made it yet. */
export async function ensureBridge(bridge: string): Promise<void> {
  await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']).catch((e: Error) => {
    if (!/File exists/.test(e.message)) throw e;
  });
  await run('ip', ['link', 'set', bridge, 'up']);
}

/**
 * Addresses of the host's own on its loopback device (virtual service addresses): a task's packets
 * to them arrive through its default route and are delivered locally. Not on the task bridge: the
 * CNI bridge plugin refuses a bridge with another IPv4 address than its gateway's.
 */
export const loopbackAddresses = {
  async add(ip: string): Promise<void> {
    await run('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']).catch((e: Error) => {
      if (!/File exists|already assigned/.test(e.message)) throw e;
    });
  },
  async remove(ip: string): Promise<void> {
    await run('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo']);
  },
};

/** Addresses of the host's own on the task bridge (link-local ones only: see loopbackAddresses). */
export function bridgeAddresses(bridge: string) {
  return {
    async add(ip: string): Promise<void> {
      await ensureBridge(bridge);
      await run('ip', ['addr', 'add', `${ip}/32`, 'dev', bridge]).catch((e: Error) => {
        if (!/File exists|already assigned/.test(e.message)) throw e;
      });
    },
  };
}
