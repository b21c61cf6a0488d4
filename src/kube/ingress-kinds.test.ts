import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INGRESS, INGRESS_CLASS } from './ingress-kinds.js';
import { metaOf } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';

const ingresses = { cluster: 'c', kind: INGRESS, namespace: 'default' };
const classes = { cluster: 'c', kind: INGRESS_CLASS };
const ingress = (name: string, spec: object) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name },
  spec,
});
const rule = (path: object) => ({ rules: [{ host: 'shop.example', http: { paths: [path] } }] });
const web = { service: { name: 'web', port: { number: 80 } } };

describe('Ingress and IngressClass', () => {
  it('checks an Ingress as the API server does', async () => {
    const deps = await testKube();
    await createObject(deps, ingresses, ingress('ok', rule({ path: '/api', pathType: 'Prefix', backend: web })));
    const refused = async (spec: object, message: RegExp) =>
      assert.rejects(createObject(deps, ingresses, ingress('bad', spec)), message);
    await refused({}, /spec: Invalid value: "": either `defaultBackend` or `rules` must be specified/);
    await refused(rule({ path: '/a', backend: web }), /pathType: Required value: pathType must be specified/);
    await refused(
      rule({ path: '/a', pathType: 'Regex', backend: web }),
      /pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"/,
    );
    await refused(
      rule({ path: 'a', pathType: 'Exact', backend: web }),
      /path: Invalid value: "a": must be an absolute path/,
    );
    await refused(
      rule({ path: '/a', pathType: 'Exact', backend: { service: { name: 'web', port: {} } } }),
      /backend\.service\.port: Invalid value: "": port name or number is required/,
    );
    await refused(
      rule({ path: '/a', pathType: 'Exact', backend: { ...web, resource: { kind: 'Bucket', name: 'b' } } }),
      /cannot set both resource and service backends/,
    );
    await refused(
      { rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Prefix', backend: web }] } }] },
      /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/,
    );
  });

  it('gives an Ingress without a class the default one, and keeps a class’s controller', async () => {
    const deps = await testKube();
    await createObject(deps, ingresses, ingress('before', { defaultBackend: web }));
    assert.equal(
      (getObject(deps, ingresses, 'before')['spec'] as { ingressClassName?: string }).ingressClassName,
      undefined,
    );
    await createObject(deps, classes, {
      metadata: { name: 'alb', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'ingress.k8s.aws/alb' },
    });
    await createObject(deps, ingresses, ingress('after', { defaultBackend: web }));
    assert.equal(
      (getObject(deps, ingresses, 'after')['spec'] as { ingressClassName?: string }).ingressClassName,
      'alb',
    );
    // The class an older annotation names is left as it is.
    await createObject(deps, ingresses, {
      ...ingress('legacy', { defaultBackend: web }),
      metadata: { name: 'legacy', annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
    });
    assert.equal(
      (getObject(deps, ingresses, 'legacy')['spec'] as { ingressClassName?: string }).ingressClassName,
      undefined,
    );
    await assert.rejects(
      updateObject(deps, classes, 'alb', (o) => ({ ...o, metadata: metaOf(o), spec: { controller: 'x.io/y' } })),
      /spec\.controller: Invalid value: "x\.io\/y": field is immutable/,
    );
    await assert.rejects(
      createObject(deps, classes, { metadata: { name: 'bad' }, spec: { controller: 'nodomain' } }),
      /spec\.controller: Invalid value: "nodomain": must be a domain-prefixed path/,
    );
  });
});
