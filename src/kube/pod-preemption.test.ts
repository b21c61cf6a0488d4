import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POD } from './kinds.js';
import { listObjects } from './list.js';
import { syncNodes } from './nodes.js';
import { metaOf, type KubeObject } from './object.js';
import { createObject, getObject } from './objects.js';
import { PRIORITY_CLASS } from './priority-class-kind.js';
import { ensurePriorityClasses } from './priority-classes.js';
import { schedulePods } from './pod-scheduler.js';
import { EVENT } from './event-kind.js';
import { testKube } from './test-kube.js';

const scope = { cluster: 'c', kind: POD, namespace: 'default' };
const classes = { cluster: 'c', kind: PRIORITY_CLASS };
const pod = (name: string, cpu: string, extra: Record<string, unknown> = {}) => ({
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'app', resources: { requests: { cpu } } }], ...extra },
});
const status = (deps: Awaited<ReturnType<typeof testKube>>, name: string) => {
  const p = getObject(deps, scope, name);
  const st = (p['status'] ?? {}) as { nominatedNodeName?: string; conditions?: { type: string; message?: string }[] };
  return {
    node: (p['spec'] as { nodeName?: string }).nodeName,
    nominated: st.nominatedNodeName,
    message: st.conditions?.find((c) => c.type === 'PodScheduled')?.message,
    deleting: Boolean(metaOf(p).deletionTimestamp),
  };
};

describe('pod priority and preemption', () => {
  it('resolves a pod’s priority from its class, and refuses classes that cannot be', async () => {
    const deps = await testKube();
    await ensurePriorityClasses(deps, 'c');
    assert.deepEqual(
      listObjects(deps, classes).items.map((c) => `${metaOf(c).name ?? ''}=${String(c['value'])}`),
      ['system-cluster-critical=2000000000', 'system-node-critical=2000001000'],
    );
    await createObject(deps, classes, { metadata: { name: 'high' }, value: 1000 });
    const { object } = await createObject(deps, scope, pod('p', '100m', { priorityClassName: 'high' }));
    assert.deepEqual(
      [
        (object['spec'] as { priority: number }).priority,
        (object['spec'] as { preemptionPolicy: string }).preemptionPolicy,
      ],
      [1000, 'PreemptLowerPriority'],
    );
    await assert.rejects(
      createObject(deps, scope, pod('q', '100m', { priorityClassName: 'nope' })),
      /pods "q" is forbidden: no PriorityClass with name nope was found/,
    );
    await assert.rejects(
      createObject(deps, classes, { metadata: { name: 'huge' }, value: 2_000_000_000 }),
      /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/,
    );
    await assert.rejects(createObject(deps, classes, { metadata: { name: 'system-mine' }, value: 1 }), /reserved/);
    await createObject(deps, classes, { metadata: { name: 'usual' }, value: 10, globalDefault: true });
    await assert.rejects(
      createObject(deps, classes, { metadata: { name: 'other' }, value: 20, globalDefault: true }),
      /PriorityClass usual is already marked as default\. Only one default can exist/,
    );
    // A pod that names no class takes the default's.
    const plain = await createObject(deps, scope, pod('plain', '100m'));
    assert.equal((plain.object['spec'] as { priority: number }).priority, 10);
  });

  it('preempts lower-priority pods for one that fits nowhere else, and places it once they have gone', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [{ id: 'h1', name: 'box', cpu: 2048, memory: 1024, connected: true }] });
    await createObject(deps, classes, { metadata: { name: 'high' }, value: 1000 });
    await createObject(deps, classes, { metadata: { name: 'polite' }, value: 1000, preemptionPolicy: 'Never' });
    await createObject(deps, scope, pod('low', '1500m'));
    assert.equal(await schedulePods(deps, 'c'), 1);
    // No room, and the class may not preempt: it waits, saying why.
    await createObject(deps, scope, pod('waits', '1', { priorityClassName: 'polite' }));
    await schedulePods(deps, 'c');
    assert.equal(
      status(deps, 'waits').message,
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
    await createObject(deps, scope, pod('urgent', '1', { priorityClassName: 'high' }));
    await schedulePods(deps, 'c');
    assert.deepEqual(status(deps, 'urgent'), {
      node: undefined,
      nominated: 'box',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
      deleting: false,
    });
    assert.equal(status(deps, 'low').deleting, true, 'the lower-priority pod is being deleted');
    const events = listObjects(deps, { cluster: 'c', kind: EVENT, namespace: 'default' }).items as KubeObject[];
    const urgentUid = metaOf(getObject(deps, scope, 'urgent')).uid;
    assert.ok(
      events.some((e) => e['reason'] === 'Preempted' && e['message'] === `Preempted by pod ${urgentUid} on node box`),
    );
    // Its victim still on its way out: another pass chooses no more victims, the pod waits.
    await schedulePods(deps, 'c');
    assert.deepEqual(
      listObjects(deps, scope)
        .items.filter((p) => metaOf(p).deletionTimestamp)
        .map((p) => metaOf(p).name),
      ['low'],
    );
    assert.equal(status(deps, 'urgent').node, undefined);
    // The victim gone (its node stopped it): the pod is placed on the node it was nominated to.
    const { removeObject } = await import('./objects.js');
    const { objectKey } = await import('./object.js');
    await deps.store.transact((tx) => removeObject(tx, scope, objectKey(scope, 'low'), Date.now()));
    await schedulePods(deps, 'c');
    assert.equal(status(deps, 'urgent').node, 'box');
  });
});
