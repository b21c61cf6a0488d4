import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectGarbage } from './garbage-collector.js';
import { deleteObject } from './delete.js';
import { REVISION, syncDeployment } from './deployments.js';
import { CONFIG_MAP, DAEMON_SET, DEPLOYMENT, JOB, POD, REPLICA_SET } from './kinds.js';
import { syncDaemonSet } from './daemon-sets.js';
import { syncNodes } from './nodes.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { templateHash } from './owners.js';
import { syncReplicaSet } from './replica-sets.js';
import { testKube } from './test-kube.js';

const ns = 'default';
const podScope = { cluster: 'c', kind: POD, namespace: ns };
const rsScope = { cluster: 'c', kind: REPLICA_SET, namespace: ns };
const dScope = { cluster: 'c', kind: DEPLOYMENT, namespace: ns };

const deployment = (replicas: number, version = 'one', strategy?: object) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    ...(strategy ? { strategy } : {}),
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'main', image: 'app', env: [{ name: 'V', value: version }] }] },
    },
  },
});

type Deps = Awaited<ReturnType<typeof testKube>>;
const pods = (deps: Deps) => listObjects(deps, podScope).items;
const sets = (deps: Deps) => listObjects(deps, rsScope).items;
const replicas = (o: KubeObject) => (o['spec'] as { replicas: number }).replicas;

/** Every pod of the namespace Ready (as a node's reports would make them). */
async function allReady(deps: Deps): Promise<void> {
  await deps.store.transact((tx) => {
    for (const p of pods(deps)) {
      if (metaOf(p).deletionTimestamp) continue;
      const key = objectKey(podScope, metaOf(p).name as string);
      const e = tx.get(kubeObjects, key);
      if (e)
        tx.put(kubeObjects, {
          key,
          object: { ...e.value.object, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
        });
    }
  });
}

/** Deleting pods go (as their node would confirm). */
async function reap(deps: Deps): Promise<void> {
  for (const p of pods(deps))
    if (metaOf(p).deletionTimestamp)
      await deleteObject(deps, podScope, metaOf(p).name as string, { gracePeriodSeconds: 0 });
}

/** Passes of every controller until nothing changes. */
async function settle(deps: Deps): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = deps.store.revision();
    await syncDeployment(deps, 'c', ns, 'web');
    for (const rs of sets(deps)) await syncReplicaSet(deps, 'c', ns, metaOf(rs).name as string);
    await allReady(deps);
    await reap(deps);
    for (const rs of sets(deps)) await syncReplicaSet(deps, 'c', ns, metaOf(rs).name as string);
    if (deps.store.revision() === before) return;
  }
}

describe('Kubernetes workload controllers', () => {
  it('a ReplicaSet makes and removes pods to its replicas, each owned by it, and counts them', async () => {
    const deps = await testKube();
    await createObject(deps, rsScope, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'm', image: 'i' }] } },
      },
    });
    await syncReplicaSet(deps, 'c', ns, 'rs');
    assert.equal(pods(deps).length, 3);
    const uid = metaOf(getObject(deps, rsScope, 'rs')).uid;
    assert.ok(
      pods(deps).every(
        (p) => metaOf(p).ownerReferences?.[0]?.uid === uid && /^rs-[a-z0-9]{5}$/.test(metaOf(p).name ?? ''),
      ),
    );
    await allReady(deps);
    await syncReplicaSet(deps, 'c', ns, 'rs');
    assert.deepEqual(getObject(deps, rsScope, 'rs')['status'], {
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
    await updateObject(deps, rsScope, 'rs', (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), replicas: 1 } }));
    assert.equal(metaOf(getObject(deps, rsScope, 'rs')).generation, 2);
    await syncReplicaSet(deps, 'c', ns, 'rs');
    await reap(deps);
    assert.equal(pods(deps).length, 1);
    await assert.rejects(
      updateObject(deps, rsScope, 'rs', (cur) => ({
        ...cur,
        spec: { ...(cur['spec'] as object), selector: { matchLabels: { a: 'c' } } },
      })),
      /spec\.selector: Invalid value.*field is immutable/,
    );
  });

  it('a Deployment made again adopts the ReplicaSet its predecessor left (deleted with Orphan)', async () => {
    const deps = await testKube();
    await createObject(deps, dScope, deployment(2));
    await syncDeployment(deps, 'c', ns, 'web');
    const [rs] = sets(deps) as [KubeObject];
    await deleteObject(deps, dScope, 'web', { propagationPolicy: 'Orphan' });
    while (await collectGarbage(deps, 'c'));
    assert.equal(metaOf(getObject(deps, rsScope, metaOf(rs).name as string)).ownerReferences, undefined);
    await createObject(deps, dScope, deployment(2));
    await syncDeployment(deps, 'c', ns, 'web');
    assert.equal(sets(deps).length, 1, 'no second ReplicaSet');
    const adopted = getObject(deps, rsScope, metaOf(rs).name as string);
    assert.equal(metaOf(adopted).ownerReferences?.[0]?.uid, metaOf(getObject(deps, dScope, 'web')).uid);
  });

  it('a Deployment rolls a new template out within maxSurge and maxUnavailable, and back', async () => {
    const deps = await testKube();
    await createObject(
      deps,
      dScope,
      deployment(4, 'one', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
    );
    await settle(deps);
    const [first] = sets(deps);
    assert.equal(metaOf(first as KubeObject).annotations?.[REVISION], '1');
    assert.equal(pods(deps).length, 4);
    const done = getObject(deps, dScope, 'web')['status'] as {
      updatedReplicas: number;
      availableReplicas: number;
      observedGeneration: number;
      conditions: { type: string; reason: string }[];
    };
    assert.equal(done.updatedReplicas, 4);
    assert.equal(done.availableReplicas, 4);
    assert.equal(done.conditions.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
    await updateObject(deps, dScope, 'web', () => ({
      ...deployment(4, 'two', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
    }));
    // The first step: one surge pod of the new template, none of the old ones gone.
    await syncDeployment(deps, 'c', ns, 'web');
    const step = sets(deps)
      .map((rs) => [metaOf(rs).annotations?.[REVISION], replicas(rs)])
      .sort();
    assert.deepEqual(step, [
      ['1', 4],
      ['2', 1],
    ]);
    await settle(deps);
    assert.deepEqual(
      sets(deps)
        .map((rs) => [metaOf(rs).annotations?.[REVISION], replicas(rs)])
        .sort(),
      [
        ['1', 0],
        ['2', 4],
      ],
    );
    assert.ok(
      pods(deps).every(
        (p) => (p['spec'] as { containers: { env: { value: string }[] }[] }).containers[0]?.env[0]?.value === 'two',
      ),
    );
    assert.equal(metaOf(getObject(deps, dScope, 'web')).annotations?.[REVISION], '2');
    // Back to the first template: its ReplicaSet comes back as revision 3.
    await updateObject(deps, dScope, 'web', () => ({
      ...deployment(4, 'one', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
    }));
    await settle(deps);
    const back = sets(deps).find((rs) => replicas(rs) === 4) as KubeObject;
    assert.equal(metaOf(back).name, metaOf(first as KubeObject).name);
    assert.equal(metaOf(back).annotations?.[REVISION], '3');
    assert.equal(
      metaOf(back).labels?.['pod-template-hash'],
      templateHash((getObject(deps, dScope, 'web')['spec'] as { template: unknown }).template),
    );
  });

  it('keeps the old pods while the new ones are not available (maxUnavailable 0 of one replica)', async () => {
    const deps = await testKube();
    await createObject(deps, dScope, deployment(1));
    for (let i = 0; i < 3; i++) {
      await syncDeployment(deps, 'c', ns, 'web');
      for (const rs of sets(deps)) await syncReplicaSet(deps, 'c', ns, metaOf(rs).name as string);
    }
    await updateObject(deps, dScope, 'web', () => deployment(1, 'two'));
    for (let i = 0; i < 3; i++) {
      await syncDeployment(deps, 'c', ns, 'web');
      for (const rs of sets(deps)) await syncReplicaSet(deps, 'c', ns, metaOf(rs).name as string);
    }
    // No pod is ever ready: the new ReplicaSet surges to one, the old one keeps its one.
    assert.deepEqual(
      sets(deps)
        .map((rs) => [metaOf(rs).annotations?.[REVISION], replicas(rs)])
        .sort(),
      [
        ['1', 1],
        ['2', 1],
      ],
    );
  });

  it('Recreate stops the old pods before it starts new ones', async () => {
    const deps = await testKube();
    await createObject(deps, dScope, deployment(2, 'one', { type: 'Recreate' }));
    await settle(deps);
    await updateObject(deps, dScope, 'web', () => deployment(2, 'two', { type: 'Recreate' }));
    await syncDeployment(deps, 'c', ns, 'web');
    assert.deepEqual(
      sets(deps)
        .map((rs) => replicas(rs))
        .sort(),
      [0, 0],
    );
    await settle(deps);
    assert.deepEqual(
      sets(deps)
        .map((rs) => replicas(rs))
        .sort(),
      [0, 2],
    );
  });

  it('the garbage collector removes what a deleted owner leaves (Background)', async () => {
    const deps = await testKube();
    await createObject(deps, dScope, deployment(2));
    await settle(deps);
    assert.equal(pods(deps).length, 2);
    await deleteObject(deps, dScope, 'web');
    await collectGarbage(deps, 'c');
    assert.equal(sets(deps).length, 0);
    await collectGarbage(deps, 'c');
    await reap(deps);
    assert.equal(pods(deps).length, 0);
  });

  it('orphans dependents (Orphan): their references go, then the owner; they stay', async () => {
    const deps = await testKube();
    await createObject(deps, dScope, deployment(2));
    await settle(deps);
    const marked = await deleteObject(deps, dScope, 'web', { propagationPolicy: 'Orphan' });
    assert.equal(marked.gone, false);
    assert.deepEqual(metaOf(marked.object).finalizers, ['orphan']);
    while (await collectGarbage(deps, 'c'));
    assert.equal(listObjects(deps, dScope).items.length, 0);
    assert.equal(sets(deps).length, 1);
    assert.equal(metaOf(sets(deps)[0] as KubeObject).ownerReferences, undefined);
    assert.equal(pods(deps).length, 2);
  });

  it('deletes dependents first (Foreground): the owner stays until its last dependent has gone', async () => {
    const deps = await testKube();
    await createObject(deps, dScope, deployment(2));
    await settle(deps);
    await deleteObject(deps, dScope, 'web', { propagationPolicy: 'Foreground' });
    await collectGarbage(deps, 'c');
    // The ReplicaSet is being deleted the same way: it holds on while its pods go.
    const [rs] = sets(deps);
    assert.deepEqual(metaOf(rs as KubeObject).finalizers, ['foregroundDeletion']);
    assert.equal(listObjects(deps, dScope).items.length, 1);
    await collectGarbage(deps, 'c');
    assert.ok(pods(deps).every((p) => metaOf(p).deletionTimestamp));
    assert.equal(sets(deps).length, 1);
    await reap(deps);
    while (await collectGarbage(deps, 'c'));
    assert.equal(sets(deps).length, 0);
    assert.equal(listObjects(deps, dScope).items.length, 0);
  });

  it('orphans a Job’s pods when its delete names no policy, as batch/v1 does, and says so', async () => {
    const deps = await testKube();
    const jobs = { cluster: 'c', kind: JOB, namespace: ns };
    await createObject(deps, jobs, {
      metadata: { name: 'j' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'i' }] } } },
    });
    const d = await deleteObject(deps, jobs, 'j');
    assert.deepEqual(metaOf(d.object).finalizers, ['orphan']);
    assert.match(d.warnings?.[0] ?? '', /^child pods are preserved by default when jobs are deleted/);
  });

  it('keeps a dependent another owner still has, taking away only the gone owner’s reference', async () => {
    const deps = await testKube();
    const cm = { cluster: 'c', kind: CONFIG_MAP, namespace: ns };
    const a = metaOf((await createObject(deps, cm, { metadata: { name: 'a' } })).object);
    const b = metaOf((await createObject(deps, cm, { metadata: { name: 'b' } })).object);
    const ref = (m: typeof a) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: m.name, uid: m.uid });
    await createObject(deps, cm, { metadata: { name: 'both', ownerReferences: [ref(a), ref(b)] } });
    await createObject(deps, cm, {
      metadata: {
        name: 'foreign',
        ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Thing', name: 't', uid: 'x' }],
      },
    });
    await deleteObject(deps, cm, 'a');
    while (await collectGarbage(deps, 'c'));
    assert.deepEqual(
      metaOf(getObject(deps, cm, 'both')).ownerReferences?.map((r) => r.name),
      ['b'],
    );
    await deleteObject(deps, cm, 'b');
    while (await collectGarbage(deps, 'c'));
    assert.throws(() => getObject(deps, cm, 'both'), /not found/);
    // An owner of a kind berth does not serve is not judged gone.
    assert.equal(metaOf(getObject(deps, cm, 'foreign')).name, 'foreign');
  });
});

describe('Kubernetes DaemonSets', () => {
  it('runs one pod on each eligible node, none on others, and replaces outdated ones one at a time', async () => {
    const deps = await testKube();
    const host = (id: string, name: string) => ({ id, name, cpu: 1024, memory: 512, connected: true });
    await syncNodes(deps, 'c', {
      hosts: () => [host('h1', 'one'), host('h2', 'two'), { ...host('h3', 'three'), connected: false }],
    });
    const dsScope = { cluster: 'c', kind: DAEMON_SET, namespace: ns };
    const ds = (v: string) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'd' } },
        template: { metadata: { labels: { a: 'd' } }, spec: { containers: [{ name: 'm', image: v }] } },
      },
    });
    await createObject(deps, dsScope, ds('one'));
    await syncDaemonSet(deps, 'c', ns, 'd');
    assert.deepEqual(
      pods(deps)
        .map((p) => (p['spec'] as { nodeName: string }).nodeName)
        .sort(),
      ['one', 'two'],
    );
    await allReady(deps);
    await syncDaemonSet(deps, 'c', ns, 'd');
    const st = getObject(deps, dsScope, 'd')['status'] as Record<string, number>;
    assert.equal(st['desiredNumberScheduled'], 2);
    assert.equal(st['numberAvailable'], 2);
    await updateObject(deps, dsScope, 'd', () => ds('two'));
    await syncDaemonSet(deps, 'c', ns, 'd');
    assert.equal(pods(deps).filter((p) => metaOf(p).deletionTimestamp).length, 1, 'one at a time (maxUnavailable 1)');
    for (let i = 0; i < 4; i++) {
      await reap(deps);
      await syncDaemonSet(deps, 'c', ns, 'd');
      await allReady(deps);
      await syncDaemonSet(deps, 'c', ns, 'd');
    }
    assert.deepEqual(
      pods(deps).map((p) => (p['spec'] as { containers: { image: string }[] }).containers[0]?.image),
      ['two', 'two'],
    );
  });
});
