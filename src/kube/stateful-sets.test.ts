import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { POD, STATEFUL_SET } from './kinds.js';
import { PERSISTENT_VOLUME_CLAIM } from './storage-kinds.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { syncStatefulSet } from './stateful-sets.js';
import { testKube } from './test-kube.js';

const at = (kind: typeof POD) => ({ cluster: 'c', kind, namespace: 'default' });
const sts = (spec: Record<string, unknown> = {}) => ({
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'm', image: 'app:1' }] } },
    ...spec,
  },
});

async function world(spec?: Record<string, unknown>) {
  const deps = await testKube();
  await createObject(deps, at(STATEFUL_SET), sts(spec));
  const sync = () => syncStatefulSet(deps, 'c', 'default', 'web');
  const pods = () =>
    listObjects(deps, at(POD))
      .items.filter((p) => !metaOf(p).deletionTimestamp)
      .map((p) => metaOf(p).name ?? '')
      .sort();
  /** The pod runs and is ready, as its node would report. */
  const ready = async (name: string) => {
    const key = objectKey(at(POD), name);
    await deps.store.transact((tx) => {
      const e = tx.get(kubeObjects, key);
      const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
      tx.put(kubeObjects, { key, object: { ...e?.value.object, status } });
    });
  };
  /** The pod is gone (its node said it stopped). */
  const gone = async (name: string) => {
    await deps.store.transact((tx) => tx.delete(kubeObjects, objectKey(at(POD), name)));
  };
  return { deps, sync, pods, ready, gone };
}

describe('StatefulSets', () => {
  it('makes pods in order, each once the one before is ready, with stable names and hostnames', async () => {
    const { deps, sync, pods, ready } = await world();
    await sync();
    await sync();
    assert.deepEqual(pods(), ['web-0']);
    const p0 = getObject(deps, at(POD), 'web-0');
    assert.deepEqual(
      [(p0['spec'] as { hostname: string }).hostname, (p0['spec'] as { subdomain: string }).subdomain],
      ['web-0', 'web'],
    );
    assert.equal(metaOf(p0).labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(metaOf(p0).labels?.['apps.kubernetes.io/pod-index'], '0');
    await ready('web-0');
    await sync();
    assert.deepEqual(pods(), ['web-0', 'web-1']);
    await ready('web-1');
    await sync();
    await ready('web-2');
    await sync();
    const st = getObject(deps, at(STATEFUL_SET), 'web')['status'] as Record<string, unknown>;
    assert.equal(st['readyReplicas'], 3);
    assert.equal(st['currentRevision'], st['updateRevision']);
  });

  it('makes them all at once with Parallel; scales down from the highest ordinal; rolls a new template out from the top', async () => {
    const { deps, sync, pods, ready, gone } = await world({ podManagementPolicy: 'Parallel' });
    await sync();
    assert.deepEqual(pods(), ['web-0', 'web-1', 'web-2']);
    for (const p of pods()) await ready(p);
    await updateObject(deps, at(STATEFUL_SET), 'web', (cur) => ({
      ...cur,
      spec: { ...(cur['spec'] as object), replicas: 2 },
    }));
    await sync();
    assert.deepEqual(pods(), ['web-0', 'web-1']);
    await gone('web-2');
    await updateObject(deps, at(STATEFUL_SET), 'web', (cur) => {
      // A copy: the change must leave the object it is given as it is.
      const next = structuredClone(cur);
      const spec = next['spec'] as { template: { spec: { containers: { image: string }[] } } };
      (spec.template.spec.containers[0] as { image: string }).image = 'app:2';
      return next;
    });
    await sync();
    assert.deepEqual(pods(), ['web-0'], 'the highest ordinal is replaced first');
    await gone('web-1');
    await sync();
    const image = (n: string) =>
      (getObject(deps, at(POD), n)['spec'] as { containers: { image: string }[] }).containers[0]?.image;
    assert.equal(image('web-1'), 'app:2');
    assert.equal(image('web-0'), 'app:1');
    await ready('web-1');
    await sync();
    assert.deepEqual(pods(), ['web-1']);
  });

  it('refuses changes to what a StatefulSet cannot change', async () => {
    const { deps } = await world();
    await assert.rejects(
      updateObject(deps, at(STATEFUL_SET), 'web', (cur) => ({
        ...cur,
        spec: { ...(cur['spec'] as object), serviceName: 'other' },
      })),
      (e: unknown) =>
        e instanceof BerthError && /updates to statefulset spec for fields other than 'replicas'/.test(e.message),
    );
  });

  it('gives each pod its own claims from the volume claim templates, kept when the pod goes', async () => {
    const template = {
      metadata: { name: 'data', labels: { tier: 'db' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    const { deps, sync, ready, gone } = await world({
      replicas: 2,
      volumeClaimTemplates: [template],
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'm', image: 'app:1', volumeMounts: [{ name: 'data', mountPath: '/var/data' }] }] },
      },
    });
    await sync();
    await ready('web-0');
    await sync();
    const claims = listObjects(deps, at(PERSISTENT_VOLUME_CLAIM)).items;
    assert.deepEqual(
      claims.map((c) => [metaOf(c).name, metaOf(c).labels]),
      [
        ['data-web-0', { tier: 'db', app: 'web' }],
        ['data-web-1', { tier: 'db', app: 'web' }],
      ],
    );
    assert.deepEqual((getObject(deps, at(POD), 'web-1')['spec'] as { volumes: unknown }).volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } },
    ]);
    // The pod goes and comes back under its name: the same claim, not a new one.
    await gone('web-1');
    await sync();
    assert.equal(listObjects(deps, at(PERSISTENT_VOLUME_CLAIM)).items.length, 2);
    await assert.rejects(
      createObject(deps, at(STATEFUL_SET), {
        ...sts({ volumeClaimTemplates: [{ metadata: {}, spec: {} }] }),
        metadata: { name: 'bad' },
      }),
      /spec\.volumeClaimTemplates\[0\]\.metadata\.name: Required value, spec\.volumeClaimTemplates\[0\]\.spec\.accessModes: Required value/,
    );
  });

  it('adopts an orphan named as one of its pods, never another that matches', async () => {
    const deps = await testKube();
    const orphan = (name: string) => ({
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'm', image: 'app:1' }] },
    });
    await createObject(deps, at(POD), orphan('web-0'));
    await createObject(deps, at(POD), orphan('stray'));
    await createObject(deps, at(STATEFUL_SET), sts({ replicas: 1 }));
    await syncStatefulSet(deps, 'c', 'default', 'web');
    const uid = metaOf(getObject(deps, at(STATEFUL_SET), 'web')).uid;
    assert.equal(metaOf(getObject(deps, at(POD), 'web-0')).ownerReferences?.[0]?.uid, uid);
    assert.equal(metaOf(getObject(deps, at(POD), 'stray')).ownerReferences, undefined);
    assert.equal(listObjects(deps, at(POD)).items.length, 2, 'web-0 adopted, not made again');
  });
});
