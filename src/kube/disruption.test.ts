import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { budgetStatus } from './disruption.js';
import { evictPod } from './eviction.js';
import { POD } from './kinds.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createObject, getObject } from './objects.js';
import { POD_DISRUPTION_BUDGET } from './pdb-kind.js';
import { testKube } from './test-kube.js';

const pods = { cluster: 'c', kind: POD, namespace: 'default' };
const budgets = { cluster: 'c', kind: POD_DISRUPTION_BUDGET, namespace: 'default' };
const NOW = '2026-01-01T00:00:00Z';

async function world(n: number) {
  const deps = await testKube();
  for (let i = 0; i < n; i++) {
    await createObject(deps, pods, {
      kind: 'Pod',
      metadata: { name: `web-${i}`, labels: { app: 'web' } },
      // On a node: a deleted pod there stays until its node has stopped it.
      spec: { nodeName: 'box', containers: [{ name: 'm', image: 'x' }] },
    });
    const key = objectKey(pods, `web-${i}`);
    await deps.store.transact((tx) => {
      const o = tx.get(kubeObjects, key)?.value.object as KubeObject;
      tx.put(kubeObjects, {
        key,
        object: { ...o, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
      });
    });
  }
  const all = () => [0, 1, 2, 3].slice(0, n).map((i) => getObject(deps, pods, `web-${i}`));
  /** The controller's count, written as it writes it. */
  const count = async (name: string) => {
    const key = objectKey(budgets, name);
    await deps.store.transact((tx) => {
      const b = tx.get(kubeObjects, key)?.value.object as KubeObject;
      tx.put(kubeObjects, { key, object: { ...b, status: budgetStatus(b, all(), NOW) } });
    });
  };
  return { deps, all, count };
}

describe('PodDisruptionBudgets and evictions', () => {
  it('checks a budget, and counts what it allows', async () => {
    const { deps, all } = await world(3);
    await assert.rejects(
      createObject(deps, budgets, {
        kind: 'PodDisruptionBudget',
        metadata: { name: 'b' },
        spec: { minAvailable: 1, maxUnavailable: 1 },
      }),
      /spec: Invalid value: minAvailable and maxUnavailable cannot be both set/,
    );
    await assert.rejects(
      createObject(deps, budgets, {
        kind: 'PodDisruptionBudget',
        metadata: { name: 'b' },
        spec: { minAvailable: '150%' },
      }),
      /spec\.minAvailable: Invalid value: "150%": a valid percent string/,
    );
    const pdb = (spec: object) => ({ metadata: { name: 'b', namespace: 'default', generation: 1 }, spec });
    const min2 = budgetStatus(pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } }), all(), NOW);
    assert.deepEqual(
      [min2['expectedPods'], min2['currentHealthy'], min2['desiredHealthy'], min2['disruptionsAllowed']],
      [3, 3, 2, 1],
    );
    const half = budgetStatus(pdb({ maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } }), all(), NOW);
    assert.deepEqual([half['desiredHealthy'], half['disruptionsAllowed']], [1, 2]);
    const none = budgetStatus(pdb({ minAvailable: 1, selector: { matchLabels: { app: 'db' } } }), all(), NOW);
    assert.deepEqual([none['expectedPods'], none['disruptionsAllowed']], [0, 0]);
  });

  it('evicts while the budget allows, then refuses with 429 in the API server’s words', async () => {
    const { deps, count } = await world(3);
    await createObject(deps, budgets, {
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    await count('web');
    await evictPod(deps, pods, 'web-0', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0' } });
    const gone = getObject(deps, pods, 'web-0');
    assert.ok(metaOf(gone).deletionTimestamp, 'the pod is being deleted');
    assert.equal((getObject(deps, budgets, 'web')['status'] as { disruptionsAllowed: number }).disruptionsAllowed, 0);
    await assert.rejects(
      evictPod(deps, pods, 'web-1', { metadata: { name: 'web-1' } }),
      (e: unknown) =>
        e instanceof BerthError &&
        e.kind === 'LimitExceeded' &&
        e.message === "Cannot evict pod as it would violate the pod's disruption budget.",
    );
    assert.equal(metaOf(getObject(deps, pods, 'web-1')).deletionTimestamp, undefined, 'refused: left alone');
    // Evicting the pod already going is no disruption more.
    await evictPod(deps, pods, 'web-0', {});
    await assert.rejects(evictPod(deps, pods, 'web-2', { metadata: { name: 'other' } }), /name in URL does not match/);
    await assert.rejects(evictPod(deps, pods, 'nope', {}), /pods "nope" not found/);
  });
});
