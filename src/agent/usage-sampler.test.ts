import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CgroupSample } from './runtime/cgroup-stats.js';
import type { LocalTask } from './task-state.js';
import { sampleUsage } from './usage-sampler.js';

const net = (rx: number, tx: number) => ({
  rxBytes: rx,
  rxPackets: 0,
  rxErrors: 0,
  rxDropped: 0,
  txBytes: tx,
  txPackets: 0,
  txErrors: 0,
  txDropped: 0,
});
const sample = (cpu: number, mem: number): CgroupSample => ({
  at: 0,
  cpu: { totalNs: cpu, userNs: cpu, systemNs: 0, perCpuNs: [], onlineCpus: 2, hostNs: 0 },
  memory: { usage: mem, limit: 1, stats: {} },
  pids: 1,
  io: { readBytes: cpu * 2, writeBytes: cpu * 3 },
  // Every container of a workload sees its namespace: the same counters.
  networks: { lo: net(1000, 1000), eth0: net(70, 30), eth1: net(7, 3) },
});
const task = (
  id: string,
  phase: LocalTask['phase'],
  containers: Record<string, 'running' | 'exited'>,
  mode = 'bridge',
) =>
  ({
    spec: { id, sandbox: { network: { mode } } },
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
  assert.deepEqual(m, {
    type: 'usage',
    at: 42,
    workloads: [{ taskId: a, cpuNs: 15, memoryBytes: 150, readBytes: 30, writeBytes: 45, rxBytes: 77, txBytes: 33 }],
  });
  assert.deepEqual(reads, ['app', 'side']);
  // On the host's network, the counters would be the host's: none are sent.
  assert.deepEqual(
    (await sampleUsage([task(a, 'running', { app: 'running' }, 'host')], async () => sample(1, 1)))?.workloads,
    [{ taskId: a, cpuNs: 1, memoryBytes: 1, readBytes: 2, writeBytes: 3 }],
  );
  assert.equal(await sampleUsage([task(b, 'running', { app: 'exited' })], async () => sample(1, 1)), undefined);
});
