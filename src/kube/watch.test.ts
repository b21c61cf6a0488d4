import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { deleteObject } from './delete.js';
import { CONFIG_MAP } from './kinds.js';
import { metaOf } from './object.js';
import { createObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';
import { watchObjects, type WatchEvent } from './watch.js';

const scope = { cluster: 'c', kind: CONFIG_MAP, namespace: 'default' };
const cm = (name: string, labels: Record<string, string> = {}) => ({ kind: 'ConfigMap', metadata: { name, labels } });

/** Takes n events (or fails after a second). */
async function take(events: AsyncGenerator<WatchEvent>, n: number): Promise<string[]> {
  const out: string[] = [];
  const timer = setTimeout(() => void events.return(undefined), 1000);
  for await (const e of events) {
    out.push(
      `${e.type} ${metaOf(e.object).name ?? ''}${e.type === 'BOOKMARK' ? ` ${metaOf(e.object).resourceVersion}` : ''}`,
    );
    if (out.length === n) break;
  }
  clearTimeout(timer);
  return out;
}

describe('Kubernetes watches', () => {
  it('from a revision: ADDED, MODIFIED and DELETED (with the last state), each with its resourceVersion', async () => {
    const deps = await testKube();
    const w = watchObjects(deps, scope, { resourceVersion: String(deps.store.revision()) });
    await createObject(deps, scope, cm('a'));
    await updateObject(deps, scope, 'a', (cur) => ({ ...cur, data: { k: 'v' } }));
    await deleteObject(deps, scope, 'a');
    const seen: WatchEvent[] = [];
    for await (const e of w) {
      seen.push(e);
      if (seen.length === 3) break;
    }
    assert.deepEqual(
      seen.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    assert.deepEqual(seen[2]?.object['data'], { k: 'v' });
    const rvs = seen.map((e) => Number(metaOf(e.object).resourceVersion));
    assert.ok((rvs[0] as number) < (rvs[1] as number) && (rvs[1] as number) < (rvs[2] as number), rvs.join());
  });

  it('with no revision: what there is now first, as ADDED, then changes', async () => {
    const deps = await testKube();
    await createObject(deps, scope, cm('old'));
    const w = watchObjects(deps, scope, {});
    await createObject(deps, scope, cm('new'));
    assert.deepEqual(await take(w, 2), ['ADDED old', 'ADDED new']);
  });

  it('a selector’s watch: an object that stops matching is DELETED, one that starts is ADDED', async () => {
    const deps = await testKube();
    await createObject(deps, scope, cm('x', { app: 'web' }));
    const w = watchObjects(deps, scope, { resourceVersion: String(deps.store.revision()), labelSelector: 'app=web' });
    await createObject(deps, scope, cm('other', { app: 'db' }));
    await updateObject(deps, scope, 'x', (cur) => ({ ...cur, metadata: { ...metaOf(cur), labels: { app: 'db' } } }));
    await updateObject(deps, scope, 'other', (cur) => ({
      ...cur,
      metadata: { ...metaOf(cur), labels: { app: 'web' } },
    }));
    await deleteObject(deps, scope, 'x');
    await deleteObject(deps, scope, 'other');
    assert.deepEqual(await take(w, 3), ['DELETED x', 'ADDED other', 'DELETED other']);
  });

  it('replays from an older revision, deletions included, and answers Expired once history is gone', async () => {
    const deps = await testKube(20);
    await createObject(deps, scope, cm('a'));
    const from = deps.store.revision();
    await createObject(deps, scope, cm('b'));
    await deleteObject(deps, scope, 'a');
    assert.deepEqual(await take(watchObjects(deps, scope, { resourceVersion: String(from) }), 2), [
      'ADDED b',
      'DELETED a',
    ]);
    for (let i = 0; i < 60; i++) await createObject(deps, scope, cm(`f${i}`));
    assert.throws(
      () => watchObjects(deps, scope, { resourceVersion: String(from) }),
      (e: unknown) =>
        e instanceof BerthError && e.detail.reason === 'gone' && /too old resource version/.test(e.message),
    );
    assert.throws(() => watchObjects(deps, scope, { resourceVersion: 'soon' }), /must be a number/);
  });

  it('sendInitialEvents ends the initial objects with a bookmark that says so', async () => {
    const deps = await testKube();
    await createObject(deps, scope, cm('a'));
    const rv = deps.store.revision();
    const w = watchObjects(deps, scope, { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersion: '' });
    const first = await w.next();
    const second = await w.next();
    await w.return(undefined);
    assert.equal(first.value?.type, 'ADDED');
    assert.equal(second.value?.type, 'BOOKMARK');
    assert.deepEqual(metaOf(second.value?.object ?? {}).annotations, { 'k8s.io/initial-events-end': 'true' });
    assert.equal(metaOf(second.value?.object ?? {}).resourceVersion, String(rv));
  });
});
