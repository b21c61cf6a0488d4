import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conformanceApi, eventually } from './client.js';

// [sig-api-machinery] CustomResourceValidationRules: x-kubernetes-validations (CEL) rules on a
// CRD's schema, named as the conformance suite names them.
describe('[sig-api-machinery] CustomResourceValidationRules', () => {
  const api = conformanceApi();
  const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  let n = 0;
  /** A CRD of `plural`, whose objects' spec has the given schema. */
  const crdOf = (plural: string, kind: string, spec: Record<string, unknown>) => ({
    metadata: { name: `${plural}.stable.example.com` },
    spec: {
      group: 'stable.example.com',
      names: { plural, kind, singular: kind.toLowerCase() },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec } } },
        },
      ],
    },
  });
  /** A CRD whose spec has the given schema, established; its objects' collection path. */
  const defineCrd = async (spec: Record<string, unknown>) => {
    const plural = `e2e${++n}tests`;
    await api.ok('POST', crds, crdOf(plural, `E2e${n}Test`, spec));
    await eventually(
      () => api.call('GET', `/apis/stable.example.com/v1/namespaces/default/${plural}`),
      (r) => r.status === 200,
    );
    return { path: `/apis/stable.example.com/v1/namespaces/default/${plural}`, kind: `E2e${n}Test` };
  };
  const object = (kind: string, name: string, spec: unknown) => ({
    apiVersion: 'stable.example.com/v1',
    kind,
    metadata: { name },
    spec,
  });
  const bounded = {
    type: 'object',
    properties: { x: { type: 'integer' }, y: { type: 'integer' } },
    'x-kubernetes-validations': [{ rule: 'self.x + self.y > 0' }, { rule: 'self.x <= 100', message: 'x is too big' }],
  };

  it('MUST NOT fail validation for create of a custom resource that satisfies the x-kubernetes-validations rules', async () => {
    const { path, kind } = await defineCrd(bounded);
    const made = await api.ok('POST', path, object(kind, 'ok', { x: 1, y: 0 }));
    assert.deepEqual(made.spec, { x: 1, y: 0 });
  });

  it('MUST fail validation for create of a custom resource that does not satisfy the x-kubernetes-validations rules', async () => {
    const { path, kind } = await defineCrd(bounded);
    const r = await api.call('POST', path, object(kind, 'bad', { x: 200, y: -300 }));
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, 'Invalid');
    assert.deepEqual(
      r.body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`),
      [
        'spec: Invalid value: "object": failed rule: self.x + self.y > 0',
        'spec: Invalid value: "object": x is too big',
      ],
    );
  });

  it('MUST fail create of a custom resource definition that contains a x-kubernetes-validations rule that refers to a property that do not exist', async () => {
    const r = await api.call(
      'POST',
      crds,
      crdOf('nothere', 'NotHere', {
        type: 'object',
        properties: { x: { type: 'integer' } },
        'x-kubernetes-validations': [{ rule: 'self.z > 0' }],
      }),
    );
    assert.equal(r.status, 422);
    assert.match(r.body.message, /compilation failed: ERROR: undefined field 'z'/);
  });

  it('MUST fail create of a custom resource definition that contains an x-kubernetes-validations rule that contains a syntax error', async () => {
    const r = await api.call(
      'POST',
      crds,
      crdOf('syntax', 'Syntax', { type: 'object', 'x-kubernetes-validations': [{ rule: '1 === 1' }] }),
    );
    assert.equal(r.status, 422);
    assert.match(
      r.body.message,
      /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: "1 === 1": compilation failed/,
    );
  });

  it('MUST fail create of a custom resource that exceeds the runtime cost limit for x-kubernetes-validations rule execution', async () => {
    const { path, kind } = await defineCrd({
      type: 'object',
      properties: {
        list: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: 'self.all(a, self.all(b, self.all(c, a + b + c >= 0)))' }],
        },
      },
    });
    const r = await api.call('POST', path, object(kind, 'costly', { list: Array.from({ length: 3000 }, (_, i) => i) }));
    assert.equal(r.status, 422);
    assert.match(r.body.message, /took longer than 500 ms; no further validation rules were run/);
    const listed = await api.ok('GET', path);
    assert.equal(listed.items.length, 0, 'nothing was written');
  });

  it('MUST fail update of a custom resource that does not satisfy a x-kubernetes-validations transition rule', async () => {
    const { path, kind } = await defineCrd({
      type: 'object',
      properties: {
        name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable' }] },
        size: {
          type: 'integer',
          'x-kubernetes-validations': [
            { rule: 'self >= oldSelf', reason: 'FieldValueForbidden', message: 'may not shrink' },
          ],
        },
      },
    });
    await api.ok('POST', path, object(kind, 't', { name: 'a', size: 2 }));
    const r = await api.call('PATCH', `${path}/t`, { spec: { name: 'b', size: 1 } }, 'application/merge-patch+json');
    assert.equal(r.status, 422);
    assert.deepEqual(
      r.body.details.causes.map((c: { reason: string; field: string }) => `${c.reason} ${c.field}`),
      ['FieldValueInvalid spec.name', 'FieldValueForbidden spec.size'],
    );
    const grown = await api.ok('PATCH', `${path}/t`, { spec: { size: 3 } }, 'application/merge-patch+json');
    assert.equal(grown.spec.size, 3);
  });
});
