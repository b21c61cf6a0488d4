import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Dockerd {
  /** Runs the docker CLI against this daemon, with its own client config; never throws on failure. */
  docker(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  socket: string;
  stop(): Promise<void>;
}

/**
 * A private dockerd from Debian's docker.io, started for one test: its own data, exec root and
 * socket, and no iptables or bridge changes to the host (left to its defaults, dockerd sets the
 * FORWARD policy to DROP and adds docker0).
 */
export async function startDockerd(): Promise<Dockerd> {
  if (!existsSync('/usr/sbin/dockerd')) throw new Error('dockerd is missing: scripts/install.sh installs docker.io');
  const dir = mkdtempSync(join(tmpdir(), 'berth-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const child: ChildProcess = spawn(
    '/usr/sbin/dockerd',
    [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '-H',
      `unix://${socket}`,
      '--pidfile',
      join(dir, 'docker.pid'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config') };
  const docker: Dockerd['docker'] = (args, input) =>
    new Promise((resolve) => {
      const p = execFile('docker', args, { env, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
      if (input !== undefined) p.stdin?.end(input);
    });
  const deadline = Date.now() + 30_000;
  while ((await docker(['version'])).code !== 0) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`dockerd did not start:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    docker,
    socket,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      // Overlay mounts can outlive the daemon; unmount what is ours before removing the tree.
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(dir))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
