import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startBerth, type BerthProcess } from './harness.js';

/** A port free on loopback now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdMember {
  name: string;
  endpoint: string;
  child: ChildProcess;
  /** kill -9 of this member (its data stays, as a crashed machine's would). */
  kill(): Promise<void>;
  /** Starts a killed member again on its data, as a rebooted machine's would rejoin. */
  restart(): void;
}

export interface EtcdCluster {
  members: EtcdMember[];
  endpoints: string[];
  /** The member that leads now. */
  leader(): Promise<EtcdMember>;
  stop(): Promise<void>;
}

/**
 * An etcd cluster of `size` members (Debian's etcd-server) on loopback ports, each with its data
 * in a temporary directory removed on stop: what the store tests run against.
 */
export async function startEtcdCluster(size = 1): Promise<EtcdCluster> {
  const ports: [number, number][] = [];
  for (let i = 0; i < size; i++) ports.push([await freePort(), await freePort()]);
  const names = ports.map((_, i) => `m${i}`);
  const initial = ports.map(([, peer], i) => `${names[i]}=http://127.0.0.1:${peer}`).join(',');
  const dirs: string[] = [];
  const members = ports.map(([client, peer], i): EtcdMember => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-etcd-'));
    dirs.push(dir);
    const endpoint = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const start = () =>
      spawn(
        'etcd',
        [
          `--name=${names[i]}`,
          `--data-dir=${dir}`,
          `--listen-client-urls=${endpoint}`,
          `--advertise-client-urls=${endpoint}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=${initial}`,
          '--initial-cluster-state=new',
          '--log-level=error',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    const child = start();
    let exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const member: EtcdMember = {
      name: names[i] as string,
      endpoint,
      child,
      kill: async () => {
        const c = member.child;
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
        await exited;
      },
      restart: () => {
        const c = start();
        exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        member.child = c;
      },
    };
    return member;
  });
  const errors = members.map(() => '');
  members.forEach((m, i) => m.child.stderr?.on('data', (d: Buffer) => (errors[i] += d.toString())));
  const stop = async () => {
    await Promise.all(members.map((m) => m.kill()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  const endpoints = members.map((m) => m.endpoint);
  const probe = new Etcd3({ hosts: endpoints, dialTimeout: 1000 });
  try {
    for (let i = 0; ; i++) {
      const gone = members.findIndex((m) => m.child.exitCode !== null);
      if (gone >= 0) throw new Error(`etcd ${names[gone]} exited: ${errors[gone]}`);
      try {
        await probe.put('probe').value('ok');
        break;
      } catch (e) {
        if (i >= 150) throw new Error(`etcd did not answer within 15 s: ${errors.join('\n')}`, { cause: e });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    probe.close();
  }
  const leader = async () => {
    for (const m of members) {
      if (m.child.exitCode !== null || m.child.signalCode !== null) continue;
      const c = new Etcd3({ hosts: m.endpoint, dialTimeout: 1000 });
      try {
        const st = await c.maintenance.status({});
        if (st.leader === st.header.member_id) return m;
      } catch {
        // this member does not answer: ask the next
      } finally {
        c.close();
      }
    }
    throw new Error('no member says it leads');
  };
  return { members, endpoints, leader, stop };
}

/** `berth up` arguments for a server over `etcd` keeping what it shares in `sharedDir`, running no task. */
export function etcdServerArgs(etcd: EtcdCluster, sharedDir: string): string[] {
  return [
    ...['--store', `etcd://${etcd.endpoints.map((e) => new URL(e).host).join(',')}`, '--shared-dir', sharedDir],
    ...['--no-agent', '--registry-auth', 'off', '--create-repository-on-push'],
    ...['--elb-engine', 'node', '--elb-hosts-file', 'none'],
  ];
}

/** `count` berth servers over `etcd`, started one after another (the first campaigns first and leads). */
export async function startEtcdServers(etcd: EtcdCluster, sharedDir: string, count = 3): Promise<BerthProcess[]> {
  const servers: BerthProcess[] = [];
  for (let i = 0; i < count; i++) servers.push(await startBerth({ args: etcdServerArgs(etcd, sharedDir) }));
  return servers;
}
