import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, localShared, scopedStore } from '../../store/index.js';
import { createCluster } from '../clusters.js';
import {
  deregisterInstance,
  instanceView,
  listInstances,
  registerContainerInstance,
  updateInstance,
} from '../container-instances.js';
import type { ControlPlaneDeps } from '../deps.js';
import type { ContainerInstanceRecord } from '../tables.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { keptFleet } from './fleet-cache.js';

const registered = (i: ContainerInstanceRecord) => i.status !== 'INACTIVE';

/** What a fleet built from a fresh listing would hold. */
const fresh = (deps: ControlPlaneDeps, cluster: string) =>
  listInstances(deps, cluster)
    .filter(registered)
    .map((i) => instanceView(i));

async function setup(deps: ControlPlaneDeps) {
  for (const name of ['c', 'other']) await createCluster(deps, { clusterName: name });
  const ids: string[] = [];
  for (const n of [0, 1, 2])
    ids.push(
      (await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 2048, containerInstanceId: `i${n}` }))
        .id,
    );
  await registerContainerInstance(deps, { cluster: 'other', cpu: 1024, memory: 2048, containerInstanceId: 'o0' });
  return ids;
}

describe('kept fleet', () => {
  it('follows the store: written instances are replaced in place, joins and leaves rebuild it', async () => {
    const deps = testControlPlaneDeps();
    const ids = await setup(deps);
    const first = keptFleet(deps.store, 'c', registered);
    assert.deepEqual(first.views, fresh(deps, 'c'));
    assert.equal(keptFleet(deps.store, 'c', registered), first, 'nothing written: the same fleet');

    await updateInstance(deps, 'c', ids[1] as string, (i) => ({
      ...i,
      registeredResources: { ...i.registeredResources, cpu: 512 },
    }));
    await updateInstance(deps, 'other', 'o0', (i) => ({
      ...i,
      registeredResources: { ...i.registeredResources, cpu: 1 },
    }));
    const second = keptFleet(deps.store, 'c', registered);
    assert.equal(second, first, 'a member written: replaced in the same fleet');
    assert.equal(second.cpu[1], 512);
    assert.deepEqual(second.views, fresh(deps, 'c'));

    await registerContainerInstance(deps, { cluster: 'c', cpu: 4096, memory: 8192, containerInstanceId: 'i3' });
    const third = keptFleet(deps.store, 'c', registered);
    assert.notEqual(third, second, 'an instance joined: built again');
    assert.equal(third.views.length, 4);
    assert.deepEqual(third.views, fresh(deps, 'c'));

    await deregisterInstance(deps, 'c', ids[0] as string, false);
    const fourth = keptFleet(deps.store, 'c', registered);
    assert.notEqual(fourth, third, 'an instance left: built again');
    assert.deepEqual(
      fourth.views.map((v) => v.id),
      ['i1', 'i2', 'i3'],
    );
    assert.deepEqual(fourth.views, fresh(deps, 'c'));
  });

  it('hears only its own scope through a scoped store', async () => {
    const root = new MemoryStore();
    const deps = { ...testControlPlaneDeps(), store: localShared(scopedStore(root, 'eu-west-1')) };
    const elsewhere = { ...testControlPlaneDeps(), store: localShared(scopedStore(root, 'us-west-2')) };
    await setup(deps);
    await setup(elsewhere);
    const first = keptFleet(deps.store, 'c', registered);
    await registerContainerInstance(elsewhere, { cluster: 'c', cpu: 1, memory: 1, containerInstanceId: 'x' });
    assert.equal(keptFleet(deps.store, 'c', registered), first, "another region's instance is not ours");
    await updateInstance(deps, 'c', 'i2', (i) => ({
      ...i,
      registeredResources: { ...i.registeredResources, memory: 100 },
    }));
    assert.equal(keptFleet(deps.store, 'c', registered).memory[2], 100);
    assert.deepEqual(first.views, fresh(deps, 'c'));
  });
});
