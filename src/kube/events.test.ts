import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT } from './event-kind.js';
import { EVENT_TTL_MS, pruneEvents, recordEvent } from './events.js';
import { CONFIG_MAP } from './kinds.js';
import { listObjects } from './list.js';
import { createObject } from './objects.js';
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
});
