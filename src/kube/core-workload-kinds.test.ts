import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POD_TEMPLATE, REPLICATION_CONTROLLER, rcSelector } from './core-workload-kinds.js';
import type { KubeObject } from './meta.js';

const template = (labels: Record<string, string>, spec: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
});

describe('ReplicationController and PodTemplate', () => {
  it('defaults a ReplicationController’s selector, labels and replicas from its template', () => {
    const o: KubeObject = { metadata: { name: 'web' }, spec: { template: template({ app: 'web' }) } };
    REPLICATION_CONTROLLER.normalize?.(o);
    assert.deepEqual((o['spec'] as { selector: unknown }).selector, { app: 'web' });
    assert.deepEqual((o['metadata'] as { labels: unknown }).labels, { app: 'web' });
    assert.equal((o['spec'] as { replicas: number }).replicas, 1);
    assert.deepEqual(rcSelector(o), { matchLabels: { app: 'web' } });
    assert.deepEqual(REPLICATION_CONTROLLER.validate?.(o), []);
    // Labels given are kept.
    const own: KubeObject = {
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, template: template({ app: 'web', v: '2' }) },
    };
    REPLICATION_CONTROLLER.normalize?.(own);
    assert.deepEqual((own['metadata'] as { labels: unknown }).labels, { tier: 'front' });
    assert.deepEqual((own['spec'] as { selector: unknown }).selector, { app: 'web' });
  });

  it('refuses a missing selector or template, a selector its template does not match, negative replicas, another restart policy', () => {
    const fields = (spec: Record<string, unknown>) =>
      (REPLICATION_CONTROLLER.validate?.({ metadata: { name: 'x' }, spec }) ?? []).map((c) => c.field);
    assert.deepEqual(fields({}), ['spec.selector', 'spec.template']);
    assert.deepEqual(fields({ selector: { app: 'a' }, template: template({ app: 'b' }) }), [
      'spec.template.metadata.labels',
    ]);
    assert.deepEqual(fields({ replicas: -1, selector: { app: 'a' }, template: template({ app: 'a' }) }), [
      'spec.replicas',
    ]);
    const causes =
      REPLICATION_CONTROLLER.validate?.({
        metadata: { name: 'x' },
        spec: { selector: { app: 'a' }, template: template({ app: 'a' }, { restartPolicy: 'OnFailure' }) },
      }) ?? [];
    assert.deepEqual(causes, [
      {
        field: 'spec.template.spec.restartPolicy',
        message: 'Unsupported value: "OnFailure": supported values: "Always"',
      },
    ]);
    assert.equal(
      REPLICATION_CONTROLLER.schema.safeParse({ spec: { selector: { app: 1 } } }).success,
      false,
      'a selector is a map of strings',
    );
  });

  it('checks a PodTemplate’s pod spec as a pod’s', () => {
    const ok: KubeObject = { metadata: { name: 't' }, template: template({}) };
    POD_TEMPLATE.normalize?.(ok);
    assert.equal((ok['template'] as { spec: { restartPolicy: string } }).spec.restartPolicy, 'Always');
    assert.deepEqual(POD_TEMPLATE.validate?.(ok), []);
    assert.deepEqual(
      POD_TEMPLATE.validate?.({ metadata: { name: 't' } }).map((c) => c.field),
      ['template.spec.containers'],
    );
    assert.ok(
      (POD_TEMPLATE.validate?.({ metadata: { name: 't' }, template: { spec: { containers: [] } } }) ?? []).length > 0,
    );
  });
});
