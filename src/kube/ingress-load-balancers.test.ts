import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteObject } from './delete.js';
import { INGRESS, INGRESS_CLASS } from './ingress-kinds.js';
import {
  ensureIngressClass,
  INGRESS_FINALIZER,
  startIngressController,
  syncIngressLoadBalancer,
  type IngressLoadBalancerPort,
  type WantedIngressLoadBalancer,
} from './ingress-load-balancers.js';
import { kubeObjects, metaOf, objectKey } from './object.js';
import { createObject, getObject } from './objects.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import { testKube } from './test-kube.js';
import { listObjects } from './list.js';
import { EVENT } from './event-kind.js';

const at = { cluster: 'c', kind: INGRESS, namespace: 'default' };
const web = { service: { name: 'web', port: { name: 'http' } } };

describe('the ALB ingress controller', () => {
  it('makes the alb IngressClass once, not the default one', async () => {
    const deps = await testKube();
    await ensureIngressClass(deps, 'c');
    await ensureIngressClass(deps, 'c');
    const alb = getObject(deps, { cluster: 'c', kind: INGRESS_CLASS }, 'alb');
    assert.equal((alb['spec'] as { controller: string }).controller, 'ingress.k8s.aws/alb');
    assert.equal(metaOf(alb).annotations?.['ingressclass.kubernetes.io/is-default-class'], undefined);
  });

  it('serves Ingresses of its class only: a load balancer of their rules and ready endpoints, then its removal', async () => {
    const deps = await testKube();
    const wants: WantedIngressLoadBalancer[] = [];
    const removed: string[] = [];
    const port: IngressLoadBalancerPort = {
      ensureIngress: async (w) => (wants.push(w), { hostname: 'k8s-x.elb', ip: '127.77.0.9' }),
      removeIngress: async (ingress) => void removed.push(ingress.uid),
    };
    await createObject(
      deps,
      { cluster: 'c', kind: INGRESS_CLASS },
      { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: INGRESS_CLASS },
      { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
    );
    await createObject(
      deps,
      { cluster: 'c', kind: SERVICE, namespace: 'default' },
      {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    );
    await deps.store.transact((tx) =>
      tx.put(kubeObjects, {
        key: objectKey({ cluster: 'c', kind: ENDPOINTS, namespace: 'default' }, 'web'),
        object: {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name: 'web', namespace: 'default' },
          subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ name: 'http', port: 8080 }] }],
        },
      }),
    );
    const ingress = (name: string, cls: string) => ({
      metadata: { name },
      spec: {
        ingressClassName: cls,
        rules: [{ host: 'a.example', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: web }] } }],
      },
    });
    await createObject(deps, at, ingress('other', 'nginx'));
    await syncIngressLoadBalancer(deps, 'c', port, 'default', 'other');
    assert.equal(wants.length, 0, 'another controller’s');
    await createObject(deps, at, ingress('shop', 'alb'));
    await syncIngressLoadBalancer(deps, 'c', port, 'default', 'shop');
    assert.deepEqual(wants[0]?.rules, [{ host: 'a.example', paths: ['/api', '/api/*'], backend: 'web:http' }]);
    assert.deepEqual(wants[0]?.backends, [{ key: 'web:http', targets: [{ ip: '10.0.0.5', port: 8080 }] }]);
    assert.equal(wants[0]?.settings.internal, true, 'the controller’s default scheme');
    assert.deepEqual(wants[0]?.settings.listeners, [{ protocol: 'HTTP', port: 80 }]);
    assert.deepEqual(wants[0]?.hosts, ['a.example']);
    const shop = getObject(deps, at, 'shop');
    assert.deepEqual(metaOf(shop).finalizers, [INGRESS_FINALIZER]);
    assert.deepEqual((shop['status'] as { loadBalancer: unknown }).loadBalancer, {
      ingress: [{ hostname: 'k8s-x.elb', ip: '127.77.0.9' }],
    });
    // What the load balancer's maker refuses is told in an event.
    const failing: IngressLoadBalancerPort = {
      ensureIngress: () => Promise.reject(new Error("Health check path must begin with a '/' character")),
      removeIngress: port.removeIngress,
    };
    await assert.rejects(syncIngressLoadBalancer(deps, 'c', failing, 'default', 'shop'), /Health check path/);
    const events = listObjects(deps, { cluster: 'c', kind: EVENT, namespace: 'default' }).items;
    assert.ok(
      events.some(
        (e) => e['reason'] === 'FailedDeployModel' && /Health check path must begin/.test(String(e['message'])),
      ),
    );
    await deleteObject(deps, at, 'shop');
    await syncIngressLoadBalancer(deps, 'c', port, 'default', 'shop');
    assert.deepEqual(removed, [metaOf(shop).uid]);
    assert.throws(() => getObject(deps, at, 'shop'), /not found/);
  });

  it('re-derives only the Ingresses that name a Service whose endpoints changed', async () => {
    const deps = await testKube();
    const synced: string[] = [];
    const port: IngressLoadBalancerPort = {
      ensureIngress: async (w) => (synced.push(w.name), { hostname: 'h', ip: '127.77.0.1' }),
      removeIngress: async () => undefined,
    };
    await createObject(
      deps,
      { cluster: 'c', kind: INGRESS_CLASS },
      { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } },
    );
    for (const app of ['a', 'b']) {
      await createObject(
        deps,
        { cluster: 'c', kind: SERVICE, namespace: 'default' },
        {
          metadata: { name: app },
          spec: { selector: { app }, ports: [{ name: 'http', port: 80 }] },
        },
      );
      await createObject(deps, at, {
        metadata: { name: `ing-${app}` },
        spec: { ingressClassName: 'alb', defaultBackend: { service: { name: app, port: { number: 80 } } } },
      });
    }
    const quiet = { info() {}, warn() {}, error() {}, debug() {} } as never;
    const c = startIngressController(deps, 'c', port, quiet);
    try {
      const settle = async () => {
        for (let last = -1; last !== synced.length;) {
          last = synced.length;
          await new Promise((r) => setTimeout(r, 150));
        }
      };
      await settle();
      assert.ok(synced.includes('ing-a') && synced.includes('ing-b'));
      synced.length = 0;
      await deps.store.transact((tx) =>
        tx.put(kubeObjects, {
          key: objectKey({ cluster: 'c', kind: ENDPOINTS, namespace: 'default' }, 'a'),
          object: {
            apiVersion: 'v1',
            kind: 'Endpoints',
            metadata: { name: 'a', namespace: 'default' },
            subsets: [{ addresses: [{ ip: '10.0.0.7' }], ports: [{ name: 'http', port: 80 }] }],
          },
        }),
      );
      await settle();
      assert.deepEqual([...new Set(synced)], ['ing-a']);
    } finally {
      c.stop();
    }
  });
});
