import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskSpec } from '../wire/agent-protocol.js';
import { recoverTask } from './task-recovery.js';
import type { LocalTask } from './task-state.js';

/** A task as saved, with its containers' saved states. */
function saved(lastStatus: LocalTask['lastStatus'], containers: Record<string, 'PENDING' | 'RUNNING'>): LocalTask {
  return {
    spec: { taskId: 't1', containers: Object.keys(containers).map((name) => ({ name })) } as unknown as TaskSpec,
    lastStatus,
    bindings: [],
    containers: Object.fromEntries(
      Object.entries(containers).map(([name, st]) => [name, { lastStatus: st, runtimeId: `t1-${name}` }]),
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
    const t = saved('ACTIVATING', { web: 'PENDING', sidecar: 'PENDING', done: 'RUNNING', gone: 'PENDING' });
    const rt = runtime({ web: 'running', sidecar: 'created', done: 'running' });
    await recoverTask(t, rt.ops);
    assert.deepEqual(t.containers.web, { lastStatus: 'RUNNING', runtimeId: 't1-web', startedAt: 1000 });
    assert.equal(t.containers.sidecar?.lastStatus, 'PENDING', 'made again at the next tick');
    assert.equal(t.containers.gone?.lastStatus, 'PENDING');
    assert.deepEqual(rt.did, ['status web', 'status sidecar', 'discard sidecar', 'status gone']);
    assert.equal(t.lastStatus, 'ACTIVATING', 'the next tick decides whether the task is RUNNING');
  });

  it('adopts a container that had already exited: its exit is read from its monitor', async () => {
    const t = saved('ACTIVATING', { web: 'PENDING' });
    await recoverTask(t, runtime({ web: 'stopped' }).ops);
    assert.equal(t.containers.web?.lastStatus, 'RUNNING');
  });

  it('starts a task cut off while it was provisioned afresh: deletes what it created, tears down its network', async () => {
    const t = saved('PROVISIONING', { web: 'PENDING', sidecar: 'PENDING' });
    // Nothing starts before the task is first saved; a running container here is one it cannot account for.
    const rt = runtime({ web: 'created', sidecar: 'running' });
    await recoverTask(t, rt.ops);
    assert.deepEqual(rt.did, ['status web', 'discard web', 'status sidecar', 'discard sidecar', 'tear down network']);
    assert.equal(t.containers.web?.lastStatus, 'PENDING');
    assert.equal(t.containers.sidecar?.lastStatus, 'PENDING');
  });

  it('leaves a stopped or cleaned-up task alone', async () => {
    for (const t of [
      saved('STOPPED', { web: 'PENDING' }),
      { ...saved('RUNNING', { web: 'PENDING' }), cleanedUp: true },
    ]) {
      const rt = runtime({ web: 'created' });
      await recoverTask(t, rt.ops);
      assert.deepEqual(rt.did, []);
    }
  });
});
