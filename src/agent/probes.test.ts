import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSpec } from '../wire/index.js';
import { runProbes } from './probes.js';
import { restartBackoffMs } from './restarts.js';
import type { LocalTask } from './task-state.js';
import type { NetworkProber } from './net-probes.js';

const noNet: NetworkProber = {
  http: () => Promise.reject(new Error('no network probe here')),
  tcp: () => Promise.reject(new Error('no network probe here')),
};

test('the first probe comes one interval after the start; failures inside startPeriod do not count', async () => {
  // ECS's { command: ['CMD', 'probe'], interval: 5, retries: 2, startPeriod: 12 }, as the neutral probe.
  const c = {
    name: 'app',
    probes: {
      health: {
        action: { type: 'exec', command: ['probe'] },
        periodMs: 5000,
        timeoutMs: 5000,
        failureThreshold: 2,
        successThreshold: 1,
        gracePeriodMs: 12_000,
      },
    },
  } as ContainerSpec;
  const task = { containers: { app: { state: 'running', startedAt: 0 } } } as unknown as LocalTask;
  const probes: number[] = [];
  let code = 1;
  const exec = async () => {
    probes.push(now);
    return code;
  };
  let now = 0;
  for (now = 0; now <= 20_000; now += 1000) await runProbes([c], task, now, { exec, net: noNet });
  assert.deepEqual(probes, [5000, 10_000, 15_000, 20_000]);
  const st = task.containers['app'] as { health?: string; probes?: { health?: { failures: number } } };
  // 5 s and 10 s fell inside the 12 s start period; 15 s and 20 s are two failures: UNHEALTHY.
  assert.equal(st.probes?.health?.failures, 2);
  assert.equal(st.health, 'unhealthy');
  code = 0;
  for (; now <= 25_000; now += 1000) await runProbes([c], task, now, { exec, net: noNet });
  assert.equal(st.health, 'healthy');
});

test("Kubernetes' restart back-off: 10 s doubling to 5 minutes", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map(restartBackoffMs),
    [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000],
  );
});
