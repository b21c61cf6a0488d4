import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskSpec } from '../wire/agent-protocol.js';
import { recoverTask } from './task-recovery.js';
import type { LocalTask } from './task-state.js';

/** A task as saved, with its containers' saved states. */
function saved(phase: LocalTask['phase'], containers: Record<string, 'waiting' | 'running'>): LocalTask {
  return {
    spec: { taskId: 't1', containers: Object.keys(containers).map((name) => ({ name })) } as unknown as TaskSpec,
    phase,
    bindings: [],
    containers: Object.fromEntries(
      Object.entries(containers).map(([name, st]) => [name, { state: st, runtimeId: `t1-${name}` }]),
    ),
  };
}

/** A runtime twin holding these containers' states; it records what recovery asked of it. */
function runtime(states: Record<string, string>) {
  const did: string[] = [];
  return {
    did,
    ops: {
      status: async (name: string) => {
        did.push(`status ${name}`);
        return states[name];
      },
      discard: async (name: string) => {
        did.push(`discard ${name}`);
      },
      tearDownNetwork: async () => {
        did.push('tear down network');
      },
      now: () => 1000,
    },
  };
}

describe('recoverTask', () => {
  it('adopts a container that started before the task was saved again, and deletes one only created', async () => {
    const t = saved('starting', { web: 'waiting', sidecar: 'waiting', done: 'running', gone: 'waiting' });
    const rt = runtime({ web: 'running', sidecar: 'created', done: 'running' });
    await recoverTask(t, rt.ops);
    assert.deepEqual(t.containers.web, { state: 'running', runtimeId: 't1-web', startedAt: 1000 });
    assert.equal(t.containers.sidecar?.state, 'waiting', 'made again at the next tick');
    assert.equal(t.containers.gone?.state, 'waiting');
    assert.deepEqual(rt.did, ['status web', 'status sidecar', 'discard sidecar', 'status gone']);
    assert.equal(t.phase, 'starting', 'the next tick decides whether the task is running');
  });

  it('adopts a container that had already exited: its exit is read from its monitor', async () => {
    const t = saved('starting', { web: 'waiting' });
    await recoverTask(t, runtime({ web: 'stopped' }).ops);
    assert.equal(t.containers.web?.state, 'running');
  });

  it('starts a task cut off while it was provisioned afresh: deletes what it created, tears down its network', async () => {
    const t = saved('preparing', { web: 'waiting', sidecar: 'waiting' });
    // Nothing starts before the task is first saved; a running container here is one it cannot account for.
    const rt = runtime({ web: 'created', sidecar: 'running' });
    await recoverTask(t, rt.ops);
    assert.deepEqual(rt.did, ['status web', 'discard web', 'status sidecar', 'discard sidecar', 'tear down network']);
    assert.equal(t.containers.web?.state, 'waiting');
    assert.equal(t.containers.sidecar?.state, 'waiting');
  });

  it('leaves a stopped or cleaned-up task alone', async () => {
    for (const t of [
      saved('stopped', { web: 'waiting' }),
      { ...saved('running', { web: 'waiting' }), cleanedUp: true },
    ]) {
      const rt = runtime({ web: 'created' });
      await recoverTask(t, rt.ops);
      assert.deepEqual(rt.did, []);
    }
  });
});
