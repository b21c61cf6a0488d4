import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { CRD } from './crd-kind.js';
import { findKind } from './custom-kinds.js';
import { deleteObject } from './delete.js';
import { collectGarbage } from './garbage-collector.js';
import { listObjects } from './list.js';
import { metaOf } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';

const crd = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, maximum: 10 },
                  color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
                  name: { type: 'string', pattern: '^[a-z]+$' },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
      {
        name: 'v1beta1',
        served: true,
        storage: false,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
    ...extra,
  },
});

const widget = (spec: unknown, name = 'w') => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name },
  spec,
});

const invalid = (re: RegExp) => (e: unknown) => e instanceof BerthError && re.test(e.message);

describe('CustomResourceDefinitions', () => {
  it('are checked: their name, group, storage version and schema', async () => {
    const deps = await testKube();
    const scope = { cluster: 'c', kind: CRD };
    await assert.rejects(
      createObject(deps, scope, { ...crd(), metadata: { name: 'gadgets.example.com' } }),
      invalid(/metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural\+"."\+spec.group/),
    );
    const noSchema = crd();
    (noSchema.spec.versions[0] as { schema?: unknown }).schema = undefined;
    await assert.rejects(
      createObject(deps, scope, noSchema),
      invalid(/openAPIV3Schema: Required value: schemas are required/),
    );
    const twoStorages = crd();
    (twoStorages.spec.versions[1] as { storage: boolean }).storage = true;
    await assert.rejects(
      createObject(deps, scope, twoStorages),
      invalid(/exactly one version marked as storage version/),
    );
    const badScale = crd();
    (badScale.spec.versions[0] as { subresources: object }).subresources = {
      scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '.status.replicas' },
    };
    await assert.rejects(
      createObject(deps, scope, badScale),
      invalid(
        /subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec/,
      ),
    );
    const badPattern = crd();
    (
      badPattern.spec.versions[0]?.schema.openAPIV3Schema.properties as {
        spec: { properties: { name: { pattern: string } } };
      }
    ).spec.properties.name.pattern = '(?=x)';
    await assert.rejects(createObject(deps, scope, badPattern), invalid(/properties\[name\]\.pattern: Invalid value/));
  });

  it('serve their kind at once: defaults, pruning, the schema’s checks, other versions, the status subresource', async () => {
    const deps = await testKube();
    const made = await createObject(deps, { cluster: 'c', kind: CRD }, crd());
    const status = made.object['status'] as {
      conditions: { type: string; status: string }[];
      storedVersions: string[];
    };
    assert.deepEqual(
      status.conditions.map((c) => [c.type, c.status]),
      [
        ['NamesAccepted', 'True'],
        ['Established', 'True'],
      ],
    );
    assert.deepEqual(status.storedVersions, ['v1']);
    const kind = findKind(deps, 'c', 'example.com', 'v1', 'widgets');
    assert.ok(kind?.custom && kind.namespaced && kind.keepsStatus);
    const scope = { cluster: 'c', kind, namespace: 'default' };

    const w = await createObject(deps, scope, widget({ size: 2, unknown: 1, extra: { any: { thing: true } } }));
    assert.deepEqual(w.object['spec'], { size: 2, color: 'red', extra: { any: { thing: true } } });
    assert.deepEqual(w.warnings, ['unknown field "spec.unknown"']);
    await assert.rejects(
      createObject(deps, scope, widget({ size: 2, unknown: 1 }, 'x'), { fieldValidation: 'Strict' }),
      invalid(/unknown field "spec.unknown"/),
    );
    await assert.rejects(
      createObject(deps, scope, widget({ size: 'big' }, 'x')),
      invalid(/spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"/),
    );
    await assert.rejects(
      createObject(deps, scope, widget({ size: 20 }, 'x')),
      invalid(/spec.size in body should be less than or equal to 10/),
    );
    await assert.rejects(
      createObject(deps, scope, widget({ size: 1, color: 'pink' }, 'x')),
      invalid(/spec.color: Unsupported value: "pink": supported values: "red", "blue"/),
    );
    await assert.rejects(
      createObject(deps, scope, widget({ size: 1, name: 'A1' }, 'x')),
      invalid(/spec.name in body should match '\^\[a-z\]\+\$'/),
    );
    await assert.rejects(createObject(deps, scope, widget({}, 'x')), invalid(/spec.size: Required value/));

    // The same object through the other version; a write of the object keeps its status, the status subresource writes it.
    const beta = findKind(deps, 'c', 'example.com', 'v1beta1', 'widgets') as NonNullable<typeof kind>;
    assert.equal(getObject(deps, { ...scope, kind: beta }, 'w')['apiVersion'], 'example.com/v1beta1');
    await updateObject(deps, scope, 'w', (o) => ({ ...o, status: { ready: true } }));
    assert.equal(getObject(deps, scope, 'w')['status'], undefined);
    await updateObject(deps, scope, 'w', (o) => ({ ...o, spec: { size: 9 }, status: { ready: true } }), {
      statusOnly: true,
    });
    const after = getObject(deps, scope, 'w');
    assert.deepEqual([after['status'], (after['spec'] as { size: number }).size], [{ ready: true }, 2]);
    assert.equal(metaOf(after).generation, 1);
  });

  it('take their objects with them when deleted', async () => {
    const deps = await testKube();
    await createObject(deps, { cluster: 'c', kind: CRD }, crd());
    const kind = findKind(deps, 'c', 'example.com', 'v1', 'widgets');
    assert.ok(kind);
    for (const name of ['a', 'b'])
      await createObject(deps, { cluster: 'c', kind, namespace: 'default' }, widget({ size: 1 }, name));
    const d = await deleteObject(deps, { cluster: 'c', kind: CRD }, 'widgets.example.com');
    assert.equal(d.gone, false);
    while (await collectGarbage(deps, 'c'));
    assert.equal(listObjects(deps, { cluster: 'c', kind }).items.length, 0);
    assert.equal(listObjects(deps, { cluster: 'c', kind: CRD }).items.length, 0);
    assert.equal(findKind(deps, 'c', 'example.com', 'v1', 'widgets'), undefined);
  });
});
