import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteObject } from './delete.js';
import { POD } from './kinds.js';
import { syncNodes, type KubeHost } from './nodes.js';
import { metaOf, type KubeObject } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { PodHosts } from './pod-hosts.js';
import { schedulePods } from './pod-scheduler.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from './storage-kinds.js';
import { testKube } from './test-kube.js';
import { decide, ensureStorageClass } from './volume-binder.js';
import { applyDecision } from './volume-controller.js';
import { VolumeRemovals } from './volume-removals.js';

const claims = { cluster: 'c', kind: PERSISTENT_VOLUME_CLAIM, namespace: 'default' };
const volumes = { cluster: 'c', kind: PERSISTENT_VOLUME };
const pods = { cluster: 'c', kind: POD, namespace: 'default' };
const host = (id: string, name: string): KubeHost => ({ id, name, cpu: 2048, memory: 1024, connected: true });
const claim = (name: string, spec: Record<string, unknown> = {}) => ({
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const podWith = (name: string, claimName: string, extra: Record<string, unknown> = {}) => ({
  kind: 'Pod',
  metadata: { name },
  spec: {
    containers: [{ name: 'm', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    ...extra,
  },
});
const phase = (o: KubeObject) => (o['status'] as { phase?: string }).phase;

async function setup() {
  const deps = await testKube();
  await ensureStorageClass(deps, 'c');
  await ensureStorageClass(deps, 'c'); // once made, left alone
  await syncNodes(deps, 'c', { hosts: () => [host('h1', 'box'), host('h2', 'other')] });
  const said = new Set<string>();
  const pass = async () => {
    for (const d of deps.store.read((tx) => decide(tx, 'c'))) await applyDecision(deps, 'c', d, said);
  };
  return { deps, pass };
}

describe('persistent volumes', () => {
  it('gives a claim the default class, checks it, and keeps its spec from changing', async () => {
    const { deps } = await setup();
    const sc = getObject(deps, { cluster: 'c', kind: STORAGE_CLASS }, 'local-path');
    assert.equal(sc['volumeBindingMode'], 'WaitForFirstConsumer');
    const { object } = await createObject(deps, claims, claim('data'));
    assert.deepEqual(object['spec'], {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
    });
    assert.equal(phase(object), 'Pending');
    await assert.rejects(
      createObject(deps, claims, { kind: 'PersistentVolumeClaim', metadata: { name: 'bad' }, spec: {} }),
      /spec\.accessModes: Required value: at least 1 access mode is required, spec\.resources\[storage\]: Required value/,
    );
    await assert.rejects(
      createObject(deps, claims, claim('odd', { accessModes: ['ReadWriteSometimes'], volumeMode: 'Block' })),
      /spec\.accessModes\[0\]: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod", spec\.volumeMode: Forbidden: Block volumes are not implemented in berth yet/,
    );
    await assert.rejects(
      updateObject(deps, claims, 'data', (o) => ({
        ...o,
        spec: { ...(o['spec'] as object), accessModes: ['ReadOnlyMany'] },
      })),
      /spec: Forbidden: spec is immutable after creation except resources\.requests/,
    );
  });

  it('provisions a local-path volume on the node of the claim’s first pod, and holds the pod until then', async () => {
    const { deps, pass } = await setup();
    await createObject(deps, claims, claim('data'));
    await pass();
    assert.equal(phase(getObject(deps, claims, 'data')), 'Pending', 'no consumer yet');
    const hosts = new PodHosts(deps, 'c');
    try {
      await createObject(deps, pods, podWith('db', 'data', { nodeSelector: { 'kubernetes.io/hostname': 'other' } }));
      await createObject(deps, { cluster: 'c', kind: POD, namespace: 'default' }, podWith('lost', 'nope'));
      // Node labels are the scheduler's: the pod goes to `other` only by name here.
      await updateObject(deps, { cluster: 'c', kind: (await import('./kinds.js')).NODE }, 'other', (n) => ({
        ...n,
        metadata: { ...metaOf(n), labels: { ...metaOf(n).labels, 'kubernetes.io/hostname': 'other' } },
      }));
      await schedulePods(deps, 'c');
      assert.equal((getObject(deps, pods, 'db')['spec'] as { nodeName?: string }).nodeName, 'other');
      const lost = getObject(deps, pods, 'lost')['status'] as { conditions: { type: string; message: string }[] };
      assert.match(
        lost.conditions.find((c) => c.type === 'PodScheduled')?.message ?? '',
        /2 persistentvolumeclaim "nope" not found/,
      );
      // Scheduled, not bound yet: held, with the kubelet's words.
      assert.deepEqual(hosts.forHost({ id: 'h2' }), []);
      await pass();
      const bound = getObject(deps, claims, 'data');
      const uid = metaOf(bound).uid ?? '';
      assert.equal(phase(bound), 'Bound');
      assert.equal((bound['spec'] as { volumeName: string }).volumeName, `pvc-${uid}`);
      const pv = getObject(deps, volumes, `pvc-${uid}`);
      assert.equal(phase(pv), 'Bound');
      assert.deepEqual((pv['spec'] as { nodeAffinity: unknown }).nodeAffinity, {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['other'] }] },
          ],
        },
      });
      const [w] = hosts.forHost({ id: 'h2' });
      assert.deepEqual(w?.sandbox.volumes, [
        { name: 'data', source: { type: 'shared', id: `pvc-${uid}`, mode: 0o777 } },
      ]);
      // Another pod of the same claim goes where its volume is, whatever else fits.
      await createObject(deps, pods, podWith('reader', 'data'));
      await schedulePods(deps, 'c');
      assert.equal((getObject(deps, pods, 'reader')['spec'] as { nodeName?: string }).nodeName, 'other');
      // The claim goes: its volume is Released, for its node's agent to remove (the class's Delete
      // policy); once the agent says it has, the volume goes.
      const removals = new VolumeRemovals(deps, 'c');
      const told: string[] = [];
      const unwatch = removals.watch((node) => told.push(node));
      await deleteObject(deps, claims, 'data', {});
      await pass();
      unwatch();
      assert.equal(phase(getObject(deps, volumes, `pvc-${uid}`)), 'Released');
      assert.deepEqual(told, ['other']);
      assert.deepEqual(removals.forNode('other'), [`pvc-${uid}`]);
      assert.deepEqual(removals.forNode('one'), []);
      await removals.removed('one', [`pvc-${uid}`]);
      assert.equal(phase(getObject(deps, volumes, `pvc-${uid}`)), 'Released', 'only its own node removes it');
      await removals.removed('other', [`pvc-${uid}`]);
      assert.throws(() => getObject(deps, volumes, `pvc-${uid}`), /not found/);
    } finally {
      hosts.close();
    }
  });

  it('binds a claim of another class to the smallest volume that fits, and releases a Retain volume', async () => {
    const { deps, pass } = await setup();
    const volume = (name: string, size: string) => ({
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: size },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'manual',
        hostPath: { path: `/srv/${name}` },
      },
    });
    await createObject(deps, volumes, volume('big', '10Gi'));
    await createObject(deps, volumes, volume('small', '2Gi'));
    await createObject(deps, volumes, volume('tiny', '100Mi'));
    await assert.rejects(
      createObject(deps, volumes, {
        kind: 'PersistentVolume',
        metadata: { name: 'nfs' },
        spec: { ...volume('x', '1Gi').spec, hostPath: undefined, nfs: { server: 'a', path: '/' } },
      }),
      /spec\.nfs: Forbidden: only hostPath volumes are implemented in berth yet/,
    );
    await createObject(deps, claims, claim('manual', { storageClassName: 'manual' }));
    await createObject(deps, claims, claim('missing-class', { storageClassName: 'fast' }));
    await pass();
    assert.equal((getObject(deps, claims, 'manual')['spec'] as { volumeName?: string }).volumeName, 'small');
    assert.equal(getObject(deps, volumes, 'small')['spec'] && phase(getObject(deps, volumes, 'small')), 'Bound');
    assert.equal(phase(getObject(deps, claims, 'missing-class')), 'Pending');
    await deleteObject(deps, claims, 'manual', {});
    await pass();
    assert.equal(phase(getObject(deps, volumes, 'small')), 'Released', 'Retain, the default of a volume made by hand');
  });
});
