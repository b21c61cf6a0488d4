import type { UsageMessage } from '../wire/index.js';
import type { CgroupSample } from './runtime/cgroup-stats.js';
import { readContainerStats } from './task-platform.js';
import type { LocalTask } from './task-state.js';

/**
 * Reads every running workload's cgroups and sums its running containers: cumulative CPU time,
 * current memory. The control plane turns the counters into utilisation (a face's metric).
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
    let any = false;
    for (const [name, st] of Object.entries(t.containers)) {
      if (st.state !== 'running') continue;
      const s = await read(t, name).catch(() => undefined);
      if (!s) continue;
      any = true;
      cpuNs += s.cpu.totalNs;
      memoryBytes += s.memory.usage;
    }
    if (any) workloads.push({ taskId: t.spec.id, cpuNs, memoryBytes });
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
