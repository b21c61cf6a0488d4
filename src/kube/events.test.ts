import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT, EVENT_V1 } from './event-kind.js';
import { LEASE } from './lease-kind.js';
import { EVENT_TTL_MS, pruneEvents, recordEvent } from './events.js';
import { CONFIG_MAP } from './kinds.js';
import { listObjects } from './list.js';
import { createObject, getObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';

describe('Kubernetes events', () => {
  it('records an event once per object, reason and message, counting repeats, and prunes old ones', async () => {
    const deps = await testKube();
    const { object } = await createObject(
      deps,
      { cluster: 'c', kind: CONFIG_MAP, namespace: 'default' },
      { kind: 'ConfigMap', metadata: { name: 'x' } },
    );
    await recordEvent(deps, 'c', object, 'Warning', 'Broken', 'it broke', 'test');
    deps.clock.advance(5000);
    await recordEvent(deps, 'c', object, 'Warning', 'Broken', 'it broke', 'test');
    await recordEvent(deps, 'c', object, 'Normal', 'Fixed', 'it works', 'test');
    const scope = { cluster: 'c', kind: EVENT, namespace: 'default' };
    const all = listObjects(deps, scope).items;
    assert.equal(all.length, 2);
    const broken = listObjects(deps, scope, {
      fieldSelector: 'involvedObject.name=x,reason=Broken,type=Warning',
    }).items;
    assert.equal(broken.length, 1);
    assert.equal(broken[0]?.['count'], 2);
    assert.equal(broken[0]?.['firstTimestamp'], '2026-01-01T00:00:00Z');
    assert.equal(broken[0]?.['lastTimestamp'], '2026-01-01T00:00:05Z');
    assert.deepEqual((broken[0]?.['involvedObject'] as { kind: string; name: string }).kind, 'ConfigMap');
    deps.clock.advance(EVENT_TTL_MS + 1000);
    await pruneEvents(deps, 'c');
    assert.equal(listObjects(deps, scope).items.length, 0);
  });

  it('serves the same events as events.k8s.io/v1, with its names, both ways', async () => {
    const deps = await testKube();
    const core = { cluster: 'c', kind: EVENT, namespace: 'default' };
    const v1 = { cluster: 'c', kind: EVENT_V1, namespace: 'default' };
    const { object } = await createObject(deps, v1, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      eventTime: '2026-01-01T00:00:00.000000Z',
      reportingController: 'example.com/operator',
      reportingInstance: 'op-1',
      action: 'Reconcile',
      reason: 'Synced',
      note: 'all good',
      type: 'Normal',
      regarding: { kind: 'ConfigMap', name: 'x', namespace: 'default' },
    });
    assert.equal(object['apiVersion'], 'events.k8s.io/v1');
    assert.equal(object['note'], 'all good');
    const stored = getObject(deps, core, 'e1');
    assert.deepEqual(
      [
        stored['apiVersion'],
        stored['message'],
        stored['reportingComponent'],
        (stored['involvedObject'] as { name: string }).name,
      ],
      ['v1', 'all good', 'example.com/operator', 'x'],
    );
    assert.equal(stored['note'], undefined);
    // A core event (as berth's controllers write them) read the newer way.
    await createObject(deps, core, {
      metadata: { name: 'e2' },
      involvedObject: { kind: 'Pod', name: 'p' },
      message: 'pulled',
      reason: 'Pulled',
      source: { component: 'kubelet' },
      count: 3,
    });
    const e2 = getObject(deps, v1, 'e2');
    assert.deepEqual(
      [e2['note'], e2['reportingController'], e2['deprecatedCount'], (e2['regarding'] as { kind: string }).kind],
      ['pulled', 'kubelet', 3, 'Pod'],
    );
    assert.deepEqual(
      listObjects(deps, v1, { fieldSelector: 'regarding.kind=Pod,reportingController=kubelet' }).items.map(
        (e) => e['metadata'] && (e['metadata'] as { name: string }).name,
      ),
      ['e2'],
    );
  });

  it('keeps leases as leader election writes and renews them', async () => {
    const deps = await testKube();
    const leases = { cluster: 'c', kind: LEASE, namespace: 'kube-system' };
    const spec = {
      holderIdentity: 'op-1',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      leaseTransitions: 0,
    };
    await createObject(deps, leases, { metadata: { name: 'operator-lock' }, spec });
    const { object } = await updateObject(deps, leases, 'operator-lock', (o) => ({
      ...o,
      spec: { ...spec, holderIdentity: 'op-2', renewTime: '2026-01-01T00:00:10.000000Z', leaseTransitions: 1 },
    }));
    assert.deepEqual(
      [(object['spec'] as { holderIdentity: string }).holderIdentity, object['apiVersion']],
      ['op-2', 'coordination.k8s.io/v1'],
    );
    await assert.rejects(
      createObject(deps, leases, { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } }),
      /spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0/,
    );
  });
});
