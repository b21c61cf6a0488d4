import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CgroupSample } from './runtime/cgroup-stats.js';
import type { LocalTask } from './task-state.js';
import { sampleUsage } from './usage-sampler.js';

const sample = (cpu: number, mem: number): CgroupSample => ({
  at: 0,
  cpu: { totalNs: cpu, userNs: cpu, systemNs: 0, perCpuNs: [], onlineCpus: 2, hostNs: 0 },
  memory: { usage: mem, limit: 1, stats: {} },
  pids: 1,
  io: { readBytes: 0, writeBytes: 0 },
  networks: {},
});
const task = (id: string, phase: LocalTask['phase'], containers: Record<string, 'running' | 'exited'>) =>
  ({
    spec: { id },
    phase,
    bindings: [],
    containers: Object.fromEntries(
      Object.entries(containers).map(([n, state]) => [n, { state, runtimeId: `${id}-${n}` }]),
    ),
  }) as unknown as LocalTask;

it('sums a running workload’s running containers, and leaves out the rest', async () => {
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(32);
  const reads: string[] = [];
  const m = await sampleUsage(
    [task(a, 'running', { app: 'running', side: 'running', init: 'exited' }), task(b, 'stopped', { app: 'exited' })],
    async (t, name) => {
      reads.push(name);
      return name === 'app' ? sample(10, 100) : name === 'side' ? sample(5, 50) : undefined;
    },
    42,
  );
  assert.deepEqual(m, { type: 'usage', at: 42, workloads: [{ taskId: a, cpuNs: 15, memoryBytes: 150 }] });
  assert.deepEqual(reads, ['app', 'side']);
  assert.equal(await sampleUsage([task(b, 'running', { app: 'exited' })], async () => sample(1, 1)), undefined);
});
