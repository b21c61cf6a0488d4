import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROLLER_REVISION } from './controller-revision-kind.js';
import { syncDaemonSet } from './daemon-sets.js';
import { DAEMON_SET } from './kinds.js';
import { listObjects } from './list.js';
import { metaOf, type KubeObject } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { strategicMergePatch } from './patch.js';
import { testKube } from './test-kube.js';

const at = (kind: typeof DAEMON_SET) => ({ cluster: 'c', kind, namespace: 'default' });
const template = (image: string) => ({
  metadata: { labels: { app: 'agent' } },
  spec: { containers: [{ name: 'm', image }] },
});

describe('controller revisions', () => {
  it('keeps a DaemonSet’s templates as numbered revisions; a rollback renumbers the old one; history is trimmed', async () => {
    const deps = await testKube();
    await createObject(deps, at(DAEMON_SET), {
      metadata: { name: 'agent', annotations: { 'kubernetes.io/change-cause': 'first' } },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: template('app:1'), revisionHistoryLimit: 1 },
    });
    const sync = () => syncDaemonSet(deps, 'c', 'default', 'agent');
    const revisions = () =>
      listObjects(deps, at(CONTROLLER_REVISION))
        .items.map((r) => [r['revision'], (r['data'] as { spec: { template: KubeObject } }).spec.template] as const)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([n, t]) => `${String(n)}=${(t['spec'] as { containers: { image: string }[] }).containers[0]?.image}`);
    const setImage = (image: string) =>
      updateObject(deps, at(DAEMON_SET), 'agent', (ds) => ({
        ...ds,
        spec: { ...(ds['spec'] as object), template: template(image) },
      }));
    await sync();
    assert.deepEqual(revisions(), ['1=app:1']);
    const first = listObjects(deps, at(CONTROLLER_REVISION)).items[0] as KubeObject;
    assert.equal(metaOf(first).labels?.['app'], 'agent', 'the template’s labels');
    assert.match(metaOf(first).labels?.['controller-revision-hash'] ?? '', /^[a-z0-9]+$/);
    assert.equal(metaOf(first).name, `agent-${metaOf(first).labels?.['controller-revision-hash']}`);
    assert.equal(metaOf(first).annotations?.['kubernetes.io/change-cause'], 'first');
    assert.deepEqual(
      metaOf(first).ownerReferences?.map((r) => `${r.kind}/${r.name} ${String(r.controller)}`),
      ['DaemonSet/agent true'],
    );
    await setImage('app:2');
    await sync();
    assert.deepEqual(revisions(), ['1=app:1', '2=app:2']);
    // kubectl rollout undo: the previous revision's data as a strategic merge patch of the set.
    const ds = getObject(deps, at(DAEMON_SET), 'agent');
    const undone = strategicMergePatch(ds, first['data'] as object, DAEMON_SET.mergeKeys ?? {}) as KubeObject;
    await updateObject(deps, at(DAEMON_SET), 'agent', () => undone);
    await sync();
    assert.deepEqual(revisions(), ['2=app:2', '3=app:1'], 'the old revision is the newest again');
    // A third template: the limit of one old revision drops the oldest (no pod runs it).
    await setImage('app:3');
    await sync();
    assert.deepEqual(revisions(), ['3=app:1', '4=app:3']);
    await assert.rejects(
      updateObject(deps, at(CONTROLLER_REVISION), metaOf(first).name as string, (r) => ({ ...r, data: {} })),
      /data: Invalid value: .*field is immutable/,
    );
  });
});
