import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quiet = (cmd: string, args: string[]) =>
  run(cmd, args).then(
    (r) => r.stdout,
    () => '',
  );

/**
 * Removes the CNI port-mapping rules of the given tasks (or of every berth task, given none): a
 * container killed here, not stopped by its agent, never had its mapping taken down, and a rule
 * left behind sends a later connection to that host port (on loopback too) to a dead address.
 */
export async function removePortMappings(taskIds?: ReadonlySet<string>): Promise<void> {
  const rules = (await quiet('iptables', ['-t', 'nat', '-S', 'CNI-HOSTPORT-DNAT'])).split('\n');
  for (const rule of rules) {
    const m = /^-A (CNI-HOSTPORT-DNAT .*dnat name: \\"berth\\" id: \\"([0-9a-f]+)\\".* -j (CNI-DN-[0-9a-f]+))$/.exec(
      rule,
    );
    if (!m || (taskIds && !taskIds.has(m[2] as string))) continue;
    // The rule as iptables printed it, deleted by the same words (its comment unquoted once).
    const args = (m[1] as string).match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    await quiet('iptables', ['-t', 'nat', '-D', ...args.map((a) => (a.startsWith('"') ? JSON.parse(a) : a))]);
    await quiet('iptables', ['-t', 'nat', '-F', m[3] as string]);
    await quiet('iptables', ['-t', 'nat', '-X', m[3] as string]);
  }
}

/**
 * Removes whatever a test's agent left on the host, even after a failure: its runc or crun containers,
 * mounts under its data directory (`agentDir`), its tasks' network namespaces, and the berth bridge.
 */
export async function cleanupAgentLeftovers(agentDir: string, bridge = 'berth0'): Promise<void> {
  for (const runtime of ['runc', 'crun']) {
    const root = join(agentDir, runtime);
    if (!existsSync(root)) continue;
    for (const id of (await quiet(runtime, ['--root', root, 'list', '-q'])).split('\n').filter(Boolean)) {
      await quiet(runtime, ['--root', root, 'kill', id, 'KILL']);
      await quiet(runtime, ['--root', root, 'delete', '--force', id]);
    }
  }
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(agentDir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await quiet('umount', ['-l', m]);
  const tasksDir = join(agentDir, 'tasks');
  const ids = existsSync(tasksDir) ? readdirSync(tasksDir) : [];
  for (const id of ids) await quiet('ip', ['netns', 'delete', `berth-${id.slice(0, 24)}`]);
  await removePortMappings(new Set(ids));
  // Fargate tasks' own cgroups (their containers' are gone with the containers).
  for (const h of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    for (const id of ids) {
      const dir = join('/sys/fs/cgroup', h, 'berth', id);
      if (!existsSync(dir)) continue;
      for (const sub of readdirSync(dir, { withFileTypes: true }))
        if (sub.isDirectory()) await quiet('rmdir', [join(dir, sub.name)]);
      await quiet('rmdir', [dir]);
    }
  }
  await quiet('ip', ['link', 'delete', bridge]);
  await removeServiceAddresses();
}

/** The Kubernetes services' virtual addresses (10.96.0.0/12) an agent put on loopback and did not take back. */
export async function removeServiceAddresses(): Promise<void> {
  const out = await quiet('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
  for (const m of out.matchAll(/inet (10\.(?:9[6-9]|10\d|11[01])\.\d+\.\d+)\/32/g))
    await quiet('ip', ['addr', 'del', `${m[1] as string}/32`, 'dev', 'lo']);
}
