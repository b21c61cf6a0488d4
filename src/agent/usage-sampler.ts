import type { UsageMessage } from '../wire/index.js';
import type { CgroupSample } from './runtime/cgroup-stats.js';
import { readContainerStats } from './task-platform.js';
import type { LocalTask } from './task-state.js';

/**
 * Reads every running workload's cgroups and sums its running containers: cumulative CPU time,
 * block I/O, current memory; and its network namespace's traffic (every container of a workload
 * sees the same namespace, so it is counted once). The control plane turns the counters into
 * rates and utilisation (a face's metrics).
 */
export async function sampleUsage(
  tasks: Iterable<LocalTask>,
  read: (t: LocalTask, container: string) => Promise<CgroupSample | undefined>,
  now = Date.now(),
): Promise<UsageMessage | undefined> {
  const workloads: UsageMessage['workloads'] = [];
  for (const t of tasks) {
    if (t.phase !== 'running') continue;
    let cpuNs = 0;
    let memoryBytes = 0;
    let readBytes = 0;
    let writeBytes = 0;
    let net: { rx: number; tx: number } | undefined;
    let any = false;
    for (const [name, st] of Object.entries(t.containers)) {
      if (st.state !== 'running') continue;
      const s = await read(t, name).catch(() => undefined);
      if (!s) continue;
      any = true;
      cpuNs += s.cpu.totalNs;
      memoryBytes += s.memory.usage;
      readBytes += s.io.readBytes;
      writeBytes += s.io.writeBytes;
      const ifaces = Object.entries(s.networks).filter(([name]) => name !== 'lo');
      if (ifaces.length > 0)
        net ??= {
          rx: ifaces.reduce((n, [, c]) => n + c.rxBytes, 0),
          tx: ifaces.reduce((n, [, c]) => n + c.txBytes, 0),
        };
    }
    // On the host's network the counters are the host's, not the workload's.
    if (t.spec.sandbox.network.mode === 'host') net = undefined;
    if (any)
      workloads.push({
        taskId: t.spec.id,
        cpuNs,
        memoryBytes,
        readBytes,
        writeBytes,
        ...(net ? { rxBytes: net.rx, txBytes: net.tx } : {}),
      });
  }
  return workloads.length > 0 ? { type: 'usage', at: now, workloads } : undefined;
}

/** Reads the host's workloads every `intervalMs` (20 s by default) and sends what they use. */
export function reportUsage(
  tasks: () => Iterable<LocalTask>,
  send: (m: UsageMessage) => void,
  intervalMs = 20_000,
): NodeJS.Timeout {
  return setInterval(() => void sampleUsage(tasks(), readContainerStats).then((m) => m && send(m)), intervalMs);
}
