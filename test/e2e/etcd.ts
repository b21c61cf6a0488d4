import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

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

export interface EtcdProcess {
  endpoint: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * One etcd member (Debian's etcd-server) on loopback ports, with its data in a temporary
 * directory removed on stop: what the store tests run against.
 */
export async function startEtcd(): Promise<EtcdProcess> {
  const [client, peer] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'berth-etcd-'));
  const endpoint = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const child = spawn(
    'etcd',
    [
      '--name=e2e',
      `--data-dir=${dir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=e2e=${peerUrl}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = new Etcd3({ hosts: endpoint, dialTimeout: 1000 });
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${err}`);
      try {
        await probe.get('probe').string();
        break;
      } catch (e) {
        if (i >= 100) throw new Error(`etcd did not answer within 10 s: ${err}`, { cause: e });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    probe.close();
  }
  return { endpoint, child, stop };
}
